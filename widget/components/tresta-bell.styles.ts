import { css } from 'lit';

export const bellStyles = css`
  :host {
    display: inline-block;
  }
  button {
    position: relative;
    display: inline-grid;
    place-items: center;
    inline-size: 2.5rem;
    block-size: 2.5rem;
    padding: 0;
    border: 1px solid transparent;
    border-radius: 999px;
    background: transparent;
    cursor: pointer;
  }
  button:hover,
  button[aria-expanded='true'] {
    background: color-mix(in srgb, var(--_text) 8%, transparent);
  }
  svg {
    inline-size: 1.4rem;
    block-size: 1.4rem;
  }
  .badge {
    position: absolute;
    inset-block-start: 0;
    inset-inline-end: 0;
    min-inline-size: 1.15rem;
    padding: 0 0.3rem;
    box-sizing: border-box;
    border-radius: 999px;
    background: var(--_badge);
    color: var(--_badge-text);
    font-size: 0.7rem;
    font-weight: 700;
    line-height: 1.15rem;
    text-align: center;
  }
`;
