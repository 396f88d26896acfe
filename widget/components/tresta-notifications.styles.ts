import { css } from 'lit';

export const rootStyles = css`
  :host {
    position: relative;
    display: inline-block;
    font-family: var(--tresta-font);
    line-height: 1.4;
  }
  :host([mode='inline']) {
    display: block;
  }
  /* The bell's icon, built in or the host's (slot bell-icon). */
  slot[name='bell-icon'] > svg,
  ::slotted([slot='bell-icon']) {
    display: block;
    inline-size: 1.4rem;
    block-size: 1.4rem;
  }
  :host([hidden]) {
    display: none;
  }
`;
