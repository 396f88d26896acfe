import { css } from 'lit';

// The public styling API: every --tresta-* custom property is read once, here, into a private --_x
// one that the inner components use (custom properties inherit through shadow roots). A host sets
// --tresta-* on the element or any ancestor; nothing inside can be reached otherwise, except parts.

const dark = css`
  color-scheme: dark;
  --_background: var(--tresta-color-background, #1d2130);
  --_text: var(--tresta-color-text, #f2f4f8);
  --_muted: var(--tresta-color-muted, #b8bfcc);
  --_border: var(--tresta-color-border, #3a4052);
  --_accent: var(--tresta-color-accent, #9bb8ff);
  --_accent-text: var(--tresta-color-accent-text, #10131c);
  --_unread: var(--tresta-color-unread, #262c40);
  --_badge: var(--tresta-color-badge, #ff8a80);
  --_badge-text: var(--tresta-color-badge-text, #10131c);
  --_shadow: 0 12px 32px rgb(0 0 0 / 0.5);
  --_hover: var(--tresta-color-hover, #2a3147);
  --_info: var(--tresta-color-info, #9bb8ff);
  --_success: var(--tresta-color-success, #6ee7a8);
  --_warning: var(--tresta-color-warning, #fcd34d);
  --_critical: var(--tresta-color-critical, #ff8a80);
`;

export const themeStyles = css`
  :host {
    color-scheme: light;
    --_background: var(--tresta-color-background, #ffffff);
    --_text: var(--tresta-color-text, #111827);
    --_muted: var(--tresta-color-muted, #4b5563);
    --_border: var(--tresta-color-border, #d1d5db);
    --_accent: var(--tresta-color-accent, #1d4ed8);
    --_accent-text: var(--tresta-color-accent-text, #ffffff);
    --_unread: var(--tresta-color-unread, #eef4ff);
    --_badge: var(--tresta-color-badge, #b91c1c);
    --_badge-text: var(--tresta-color-badge-text, #ffffff);
    --_shadow: 0 12px 32px rgb(15 23 42 / 0.18);
    --_hover: var(--tresta-color-hover, #f3f4f6);
    --_info: var(--tresta-color-info, #1d4ed8);
    --_success: var(--tresta-color-success, #047857);
    --_warning: var(--tresta-color-warning, #b45309);
    --_critical: var(--tresta-color-critical, #b91c1c);
    --_radius: var(--tresta-radius, 10px);
    --_density: var(--tresta-density, 1);
    --_z-index: var(--tresta-z-index, 1000);
    --_panel-width: var(--tresta-panel-width, 380px);
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
`;

/**
 * Shared by the inner components: focus rings and a text that is only spoken. The font is the page's
 * (inherited) unless --tresta-font names one: an unset var() makes the declaration inherit.
 */
export const baseStyles = css`
  :host {
    font-family: var(--tresta-font);
  }
  button,
  a,
  select,
  input {
    font: inherit;
    color: inherit;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
