import { css } from 'lit';

export const rootStyles = css`
  :host {
    position: relative;
    display: inline-block;
    font-family: var(--_font);
    color: var(--_text);
    line-height: 1.4;
  }
  :host([hidden]) {
    display: none;
  }
`;
