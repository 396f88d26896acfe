import { css } from 'lit';

export const toastsStyles = css`
  .stack {
    position: fixed;
    inset-block-end: 1rem;
    inset-inline-end: 1rem;
    z-index: var(--_z-index);
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    inline-size: min(22rem, calc(100vw - 2rem));
  }
  .toast {
    display: flex;
    align-items: flex-start;
    gap: 0.25rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    box-shadow: var(--_shadow);
  }
  .content {
    flex: 1;
    min-inline-size: 0;
  }
  .actions {
    display: flex;
    gap: 0.5rem;
    padding: 0 0.75rem 0.75rem;
  }
  .body {
    inline-size: 100%;
    min-inline-size: 0;
    padding: 0.75rem;
    border: 0;
    background: none;
    text-align: start;
    cursor: pointer;
  }
  .title {
    display: block;
    font-weight: 600;
  }
  .message {
    display: block;
    margin-block-start: 0.2rem;
    color: var(--_muted);
    font-size: 0.875rem;
    overflow-wrap: anywhere;
  }
  .dismiss {
    margin: 0.35rem;
    inline-size: 2rem;
    block-size: 2rem;
    border: 0;
    border-radius: 999px;
    background: none;
    cursor: pointer;
    font-size: 1.1rem;
    line-height: 1;
  }
  @media (prefers-reduced-motion: no-preference) {
    .toast {
      animation: enter 160ms ease-out;
    }
  }
  @keyframes enter {
    from {
      opacity: 0;
      transform: translateY(0.5rem);
    }
  }
`;
