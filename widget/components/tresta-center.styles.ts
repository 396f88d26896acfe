import { css } from 'lit';

export const centerStyles = css`
  .panel {
    box-sizing: border-box;
    position: fixed;
    inset-block-start: 0;
    inset-inline-start: 0;
    z-index: var(--_z-index);
    display: flex;
    flex-direction: column;
    inline-size: min(var(--_panel-width), calc(100vw - 1rem));
    max-block-size: min(35rem, calc(100vh - 1rem));
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    box-shadow: var(--_shadow);
    overflow: hidden;
    text-align: start;
  }
  /* Physical offsets from the placement; the inline default above must not fight them under RTL. */
  :host(:not([sheet]):not([mode='inline'])) .panel {
    inset-inline-start: auto;
    left: 0;
  }
  :host([sheet]) .panel {
    inset: auto 0 0 0;
    inline-size: 100%;
    max-block-size: 85vh;
    border-end-start-radius: 0;
    border-end-end-radius: 0;
  }
  .backdrop {
    position: fixed;
    inset: 0;
    z-index: var(--_z-index);
    background: rgb(0 0 0 / 0.35);
  }
  :host([mode='inline']) .panel {
    position: static;
    inline-size: auto;
    max-block-size: none;
    box-shadow: none;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 0.125rem;
    padding-block: 0.5rem;
    padding-inline: 1rem 0.5rem;
    border-block-end: 1px solid var(--_border);
  }
  h2 {
    flex: 1;
    min-inline-size: 0;
    margin: 0;
    font-size: 1rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  h2:focus {
    outline: none;
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
  .icon-button,
  .tool {
    display: inline-grid;
    place-items: center;
    flex: none;
    inline-size: 2rem;
    block-size: 2rem;
    padding: 0;
    border: 0;
    border-radius: 999px;
    background: none;
    cursor: pointer;
  }
  .icon-button:hover,
  .tool:hover {
    background: var(--_hover);
  }
  .icon-button svg,
  .tool svg {
    inline-size: 1.1rem;
    block-size: 1.1rem;
  }
  .tabs {
    display: flex;
    gap: 0.25rem;
    padding-inline: 0.5rem;
    border-block-end: 1px solid var(--_border);
  }
  .tab {
    padding: 0.5rem 0.6rem;
    border: 0;
    border-block-end: 2px solid transparent;
    background: none;
    color: var(--_muted);
    font-size: 0.875rem;
    font-weight: 600;
    white-space: nowrap;
    cursor: pointer;
  }
  .tab[aria-selected='true'] {
    border-block-end-color: var(--_accent);
    color: var(--_text);
  }
  .tab:focus-visible {
    outline-offset: -2px;
  }
  .tab-count {
    display: inline-block;
    min-inline-size: 1.1rem;
    padding: 0 0.3rem;
    border-radius: 999px;
    background: var(--_unread);
    color: var(--_text);
    font-size: 0.75rem;
    line-height: 1.1rem;
    text-align: center;
  }
  .tabpanel {
    display: flex;
    flex: 1;
    flex-direction: column;
    min-block-size: 0;
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
    border-block-end: 1px solid var(--_border);
    border-inline-start: 3px solid transparent;
  }
  .item.unread {
    background: var(--_unread);
  }
  .item:hover {
    background: var(--_hover);
  }
  .item.severity-critical {
    border-inline-start-color: var(--_critical);
  }
  .item.severity-warning {
    border-inline-start-color: var(--_warning);
  }
  .row {
    display: flex;
    align-items: flex-start;
  }
  .main {
    flex: 1;
    display: flex;
    gap: 0.75rem;
    min-inline-size: 0;
    padding-block: calc(0.625rem * var(--_density));
    padding-inline: 0.75rem 0.25rem;
    border: 0;
    background: none;
    text-align: start;
    text-decoration: none;
    cursor: pointer;
  }
  /* Inside the row, so the list's overflow never clips the ring. */
  .main:focus-visible,
  .action:focus-visible,
  .group-toggle:focus-visible {
    outline-offset: -2px;
  }
  .icon {
    display: grid;
    place-items: center;
    flex: none;
    inline-size: 2rem;
    block-size: 2rem;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_info) 14%, transparent);
    color: var(--_info);
    font-size: 1rem;
  }
  .icon svg {
    inline-size: 1.1rem;
    block-size: 1.1rem;
  }
  .severity-success .icon {
    background: color-mix(in srgb, var(--_success) 14%, transparent);
    color: var(--_success);
  }
  .severity-warning .icon {
    background: color-mix(in srgb, var(--_warning) 16%, transparent);
    color: var(--_warning);
  }
  .severity-critical .icon {
    background: var(--_critical);
    color: var(--_background);
  }
  .body {
    display: grid;
    gap: 0.125rem;
    min-inline-size: 0;
  }
  .text {
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    overflow: hidden;
    font-size: 0.875rem;
    line-height: 1.25rem;
    overflow-wrap: anywhere;
  }
  .title {
    font-weight: 600;
  }
  .read .title {
    font-weight: 500;
  }
  .meta {
    overflow: hidden;
    color: var(--_muted);
    font-size: 0.75rem;
    line-height: 1rem;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .tools {
    display: flex;
    flex: none;
    padding-block: 0.375rem 0;
    padding-inline: 0 0.375rem;
  }
  .tool.archive {
    opacity: 0.7;
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
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    padding-block: 0 0.625rem;
    padding-inline: 3.5rem 0.75rem;
  }
  .group-toggle {
    margin-block: 0 0.5rem;
    margin-inline: 3.5rem 0;
    padding: 0.125rem 0.5rem;
    border: 0;
    border-radius: calc(var(--_radius) / 2);
    background: none;
    color: var(--_accent);
    font-size: 0.8125rem;
    font-weight: 600;
    cursor: pointer;
  }
  .group {
    border-block-start: 1px solid var(--_border);
  }
  .group .item:last-child {
    border-block-end: 0;
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
  .preferences select {
    max-inline-size: 60%;
  }
  table {
    border-collapse: collapse;
    font-size: 0.875rem;
  }
  caption {
    padding-block: 0.25rem;
    font-weight: 600;
    text-align: start;
    text-transform: capitalize;
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
    color: var(--_critical);
  }
  .save-state {
    min-block-size: 1.25rem;
    margin: 0;
    padding-inline: 1rem;
    color: var(--_muted);
    font-size: 0.8125rem;
  }
  .locked {
    color: var(--_muted);
    font-size: 0.75rem;
    font-weight: 400;
  }
`;
