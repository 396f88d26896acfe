import { css } from 'lit';

export const bellStyles = css`
  /* The bell takes the colour of the text around it (the host's header), whatever the theme. */
  :host {
    display: inline-block;
    color: inherit;
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
    background: color-mix(in srgb, currentColor 10%, transparent);
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
