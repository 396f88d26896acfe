import { css } from 'lit';

/** A notification's own buttons (`.action`, `.action.primary`), alike in the center and in toasts. */
export const actionButtonStyles = css`
  .action {
    padding: 0.25rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_background);
    font-size: 0.8125rem;
    font-weight: 600;
    cursor: pointer;
  }
  .action.primary {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_accent-text);
  }
`;
