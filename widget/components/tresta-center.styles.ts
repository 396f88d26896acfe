import { css } from 'lit';

export const centerStyles = css`
  .panel {
    position: absolute;
    inset-block-start: calc(100% + 0.5rem);
    inset-inline-end: 0;
    z-index: var(--_z-index);
    display: flex;
    flex-direction: column;
    inline-size: min(var(--_panel-width), calc(100vw - 1rem));
    max-block-size: min(32rem, calc(100vh - 5rem));
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    box-shadow: var(--_shadow);
    overflow: hidden;
    text-align: start;
  }
  header {
    display: flex;
    align-items: center;
    gap: 0.25rem;
    padding: 0.5rem 0.5rem 0.5rem 1rem;
    border-block-end: 1px solid var(--_border);
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 1rem;
  }
  .text-button {
    padding: 0.35rem 0.6rem;
    border: 0;
    border-radius: calc(var(--_radius) / 2);
    background: none;
    color: var(--_accent);
    font-size: 0.875rem;
    font-weight: 600;
    cursor: pointer;
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    inline-size: 2rem;
    block-size: 2rem;
    padding: 0;
    border: 0;
    border-radius: 999px;
    background: none;
    cursor: pointer;
  }
  .icon-button svg {
    inline-size: 1.1rem;
    block-size: 1.1rem;
  }
  .scroller {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
  }
  ul {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .item {
    display: flex;
    align-items: flex-start;
    border-block-end: 1px solid var(--_border);
  }
  .item.unread {
    background: var(--_unread);
  }
  .main {
    flex: 1;
    display: grid;
    gap: 0.15rem;
    min-inline-size: 0;
    padding: 0.75rem 0.5rem 0.75rem 1rem;
    border: 0;
    background: none;
    text-align: start;
    text-decoration: none;
    cursor: pointer;
  }
  .type,
  .time {
    color: var(--_muted);
    font-size: 0.75rem;
  }
  .title {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .message {
    font-size: 0.875rem;
    overflow-wrap: anywhere;
  }
  .toggle {
    display: grid;
    place-items: center;
    inline-size: 2.25rem;
    block-size: 2.25rem;
    margin: 0.5rem;
    padding: 0;
    border: 0;
    border-radius: 999px;
    background: none;
    cursor: pointer;
  }
  .dot {
    inline-size: 0.6rem;
    block-size: 0.6rem;
    border: 2px solid var(--_accent);
    border-radius: 999px;
  }
  .unread .dot {
    background: var(--_accent);
  }
  .state {
    margin: 0;
    padding: 1.5rem 1rem;
    color: var(--_muted);
    text-align: center;
  }
  .state .text-button {
    display: block;
    margin: 0.5rem auto 0;
  }
  .end {
    block-size: 1px;
  }
  .preferences {
    display: grid;
    gap: 0.75rem;
    padding: 1rem;
    overflow-y: auto;
  }
  .row {
    display: flex;
    align-items: center;
    gap: 0.5rem;
  }
  select {
    margin-inline-start: auto;
    padding: 0.25rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_background);
  }
  table {
    border-collapse: collapse;
    font-size: 0.875rem;
  }
  th,
  td {
    padding: 0.35rem 0.25rem;
    text-align: start;
  }
  td {
    text-align: center;
  }
  .error {
    color: var(--_badge);
  }
`;
