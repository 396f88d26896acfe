import { html, LitElement } from 'lit';
import type { I18n } from '../client/i18n/i18n.js';
import type { Notification, NotificationAction } from '../client/types.js';
import { actionButtonStyles, renderActionButtons } from './notification-item.js';

export { claimToast } from '../client/toast-claims.js';
import { baseStyles } from './theme.styles.js';
import { toastsStyles } from './tresta-toasts.styles.js';

const VISIBLE_TOASTS = 3;
export const TOAST_DURATION_MS = 6_000;

/**
 * New notifications as toasts: stacked (at most three, oldest leaves first), dismissed after a few
 * seconds unless the pointer or focus is on the stack, announced politely to screen readers.
 *
 * @csspart toast-stack - the live region holding the toasts
 * @csspart toast - one toast
 * @csspart action - an action button of a toast
 */
export class TrestaToasts extends LitElement {
  static override styles = [baseStyles, actionButtonStyles, toastsStyles];
  static override properties = {
    i18n: { attribute: false },
    toasts: { state: true },
  };

  declare i18n: I18n;
  declare toasts: Notification[];
  /** Called when a toast is activated: the root opens its notification. */
  onActivate: (notification: Notification) => void = () => {};
  /** Called for an action button of a toast. */
  onAction: (notification: Notification, action: NotificationAction) => void = () => {};
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly paused = new Set<'hover' | 'focus'>();

  constructor() {
    super();
    this.toasts = [];
  }

  show(notification: Notification): void {
    this.toasts = [...this.toasts, notification].slice(-VISIBLE_TOASTS);
    for (const id of this.timers.keys()) if (!this.toasts.some((toast) => toast.id === id)) this.clearTimer(id);
    if (this.paused.size === 0) this.schedule(notification.id);
  }

  dismiss(id: string): void {
    this.clearTimer(id);
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
  }

  override render() {
    const { strings } = this.i18n;
    return html`
      <div
        part="toast-stack"
        class="stack"
        aria-live="polite"
        @pointerenter=${() => this.pause('hover')}
        @pointerleave=${() => this.resume('hover')}
        @focusin=${() => this.pause('focus')}
        @focusout=${(event: FocusEvent) => this.focusLeft(event)}
      >
        ${this.toasts.map(
          (toast) => html`
            <div part="toast" class="toast" data-id=${toast.id}>
              <div class="content">
                <button class="body" type="button" @click=${() => this.activate(toast)}>
                  <span class="title">${toast.title}</span>
                  <span class="message">${toast.message}</span>
                </button>
                ${renderActionButtons(toast, {
                  act: (notification, action) => {
                    this.dismiss(notification.id);
                    this.onAction(notification, action);
                  },
                })}
              </div>
              <button class="dismiss" type="button" aria-label=${strings.dismiss} @click=${() => this.dismiss(toast.id)}>
                ×
              </button>
            </div>
          `,
        )}
      </div>
    `;
  }

  private activate(toast: Notification): void {
    this.dismiss(toast.id);
    this.onActivate(toast);
  }

  private focusLeft(event: FocusEvent): void {
    const stack = event.currentTarget as HTMLElement;
    if (!stack.contains(event.relatedTarget as Node | null)) this.resume('focus');
  }

  private pause(reason: 'hover' | 'focus'): void {
    this.paused.add(reason);
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
  }

  /** Every toast gets its full time again once nothing holds the stack. */
  private resume(reason: 'hover' | 'focus'): void {
    this.paused.delete(reason);
    if (this.paused.size === 0) for (const toast of this.toasts) this.schedule(toast.id);
  }

  private schedule(id: string): void {
    this.clearTimer(id);
    this.timers.set(
      id,
      setTimeout(() => this.dismiss(id), TOAST_DURATION_MS),
    );
  }

  private clearTimer(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }
}

/** Called by the root element with the first toast: this module is a lazy chunk. */
export function defineTrestaToasts(): void {
  if (!customElements.get('tresta-toasts')) customElements.define('tresta-toasts', TrestaToasts);
}
