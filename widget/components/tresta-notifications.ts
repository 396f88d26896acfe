import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { I18n, loadStringPack, type StringOverrides } from '../client/i18n/i18n.js';
import type { ConnectionStatus } from '../client/realtime-connection.js';
import { claimToast } from '../client/toast-claims.js';
import type { Notification, TokenProvider } from '../client/types.js';
import { NotificationsController } from '../controllers/notifications-controller.js';
import { DEFAULT_IDLE_TIMEOUT_MS, RealtimeController } from '../controllers/realtime-controller.js';
import { themeStyles } from './theme.styles.js';
import { TrestaBell } from './tresta-bell.js';
import type { CenterActions } from './tresta-center.js';
import { rootStyles } from './tresta-notifications.styles.js';
import { TrestaToasts } from './tresta-toasts.js';

export type TrestaReadDetail = { ids: string[]; isRead: boolean } | { all: true; isRead: true };

/** The events `<tresta-notifications>` fires: bubbling, composed, each for something the user did or saw. */
export interface TrestaNotificationsEventMap {
  /** A notification arrived that this tab had not seen. Cancel it (preventDefault) to show no toast. */
  'tresta-notification': CustomEvent<{ notification: Notification }>;
  'tresta-open': CustomEvent<Record<string, never>>;
  'tresta-close': CustomEvent<Record<string, never>>;
  /** The user marked notifications read or unread. */
  'tresta-read': CustomEvent<TrestaReadDetail>;
}

/**
 * `<tresta-notifications>`: a bell with the unread count, the notification center it opens, and toasts
 * for new notifications, kept live by one real-time connection per browser.
 *
 * @event tresta-notification - a notification arrived; `detail.notification`; cancelable (no toast)
 * @event tresta-open - the center opened
 * @event tresta-close - the center closed
 * @event tresta-read - the user marked notifications read or unread; `detail` is `{ ids, isRead }` or `{ all: true, isRead: true }`
 *
 * @csspart bell - the bell button
 * @csspart badge - the unread count on the bell
 * @csspart panel - the notification center (a dialog)
 * @csspart header - the center's title bar
 * @csspart mark-all-read - the "Mark all read" button
 * @csspart item - one notification in the list (also `item-read` or `item-unread`)
 * @csspart item-link - the clickable body of an item
 * @csspart item-toggle - the read / unread button of an item
 * @csspart preferences - the preferences form
 * @csspart toast-stack - the region holding the toasts
 * @csspart toast - one toast
 *
 * @cssproperty --tresta-color-background - panel and toast background
 * @cssproperty --tresta-color-text - text
 * @cssproperty --tresta-color-muted - secondary text (type, time)
 * @cssproperty --tresta-color-border - borders and separators
 * @cssproperty --tresta-color-accent - buttons, focus ring, unread dot
 * @cssproperty --tresta-color-accent-text - text on the accent colour
 * @cssproperty --tresta-color-unread - background of unread items
 * @cssproperty --tresta-color-badge - the badge's background
 * @cssproperty --tresta-color-badge-text - the badge's text
 * @cssproperty --tresta-radius - corner radius of the panel and toasts
 * @cssproperty --tresta-font - font family
 * @cssproperty --tresta-z-index - stacking of the panel and toasts
 * @cssproperty --tresta-panel-width - the panel's width (at most the viewport's)
 */
export class TrestaNotificationsElement extends LitElement {
  static override styles = [themeStyles, rootStyles];
  static override properties = {
    apiBase: { type: String, attribute: 'api-base' },
    token: { type: String },
    locale: { type: String },
    theme: { type: String, reflect: true },
    noToasts: { type: Boolean, attribute: 'no-toasts' },
    tokenProvider: { attribute: false },
    strings: { attribute: false },
    idleTimeoutMs: { type: Number, attribute: false },
    open: { state: true },
  };

  declare apiBase: string;
  declare token: string | null | undefined;
  declare locale: string | undefined;
  declare theme: 'light' | 'dark' | 'auto';
  declare noToasts: boolean;
  declare tokenProvider: TokenProvider | null | undefined;
  declare strings: StringOverrides;
  declare idleTimeoutMs: number;
  declare open: boolean;

  private i18n = new I18n('en');
  private readonly notifications: NotificationsController;
  private readonly realtime: RealtimeController;

  constructor() {
    super();
    this.apiBase = '/api';
    this.theme = 'auto';
    this.noToasts = false;
    this.strings = {};
    this.idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
    this.open = false;
    this.notifications = new NotificationsController(this, {
      onNew: (notification) => void this.announce(notification),
      onRemoteActivity: () => this.realtime.remoteActivity(),
    });
    this.realtime = new RealtimeController(this, this.notifications);
  }

  /** How this tab hears about changes right now (`websocket`, `ably`, `polling`, `connecting`, or `offline` while idle or when another tab holds the connection and relays it). */
  get transport(): ConnectionStatus {
    return this.realtime.status;
  }

  get unreadCount(): number {
    return this.notifications.store.unreadCount;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('pointerdown', this.onDocumentPointerDown, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.onDocumentPointerDown, true);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale') || changed.has('strings') || !this.hasUpdated) void this.localize();
    if (this.hasUpdated && (changed.has('token') || changed.has('tokenProvider'))) this.notifications.credentialsChanged();
    if (this.hasUpdated && changed.has('apiBase') && this.isConnected) {
      // Another server: start over with its data and its connection.
      this.notifications.hostDisconnected();
      this.realtime.hostDisconnected();
      this.notifications.hostConnected();
      this.realtime.hostConnected();
    }
  }

  /** The `locale` attribute, else the page's language, else the browser's. */
  private effectiveLocale(): string {
    return this.locale || document.documentElement.lang || navigator.language;
  }

  /** English at once; another language's strings once its (lazily loaded) pack is here. */
  private async localize(): Promise<void> {
    const locale = this.effectiveLocale();
    this.i18n = new I18n(locale, undefined, this.strings);
    const pack = await loadStringPack(locale);
    if (pack && locale === this.effectiveLocale()) {
      this.i18n = new I18n(locale, pack, this.strings);
      this.requestUpdate();
    }
  }

  override render() {
    const { store } = this.notifications;
    const label = this.i18n.unreadLabel(store.unreadCount);
    return html`
      <tresta-bell
        exportparts="bell, badge"
        .count=${store.unreadCount}
        .label=${label}
        .expanded=${this.open}
        @click=${() => this.setOpen(!this.open)}
        @pointerenter=${loadCenter}
        @focusin=${loadCenter}
      ></tresta-bell>
      ${
        this.open
          ? html`<tresta-center
              exportparts="panel, header, mark-all-read, item, item-read, item-unread, item-link, item-toggle, preferences"
              .i18n=${this.i18n}
              .api=${this.notifications.client.api}
              .actions=${this.centerActions}
              .items=${store.items}
              .unreadCount=${store.unreadCount}
              .listState=${store.listState}
              .moreState=${store.moreState}
              .hasMore=${store.nextCursor !== null}
            ></tresta-center>`
          : nothing
      }
      <tresta-toasts exportparts="toast-stack, toast" .i18n=${this.i18n} .onActivate=${() => this.setOpen(true)}></tresta-toasts>
    `;
  }

  private readonly centerActions: CenterActions = {
    close: () => void this.setOpen(false, { returnFocus: true }),
    markAllRead: () => {
      void this.notifications.markAllRead().catch(() => {});
      this.emit('tresta-read', { all: true, isRead: true });
    },
    loadMore: () => void this.notifications.loadMore(),
    retry: () => void this.notifications.retry(),
    open: (notification, event) => {
      if (notification.isRead) return;
      this.emit('tresta-read', { ids: [notification.id], isRead: true });
      const link = event.currentTarget instanceof HTMLAnchorElement ? event.currentTarget : null;
      const leavesPage = link && event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
      if (!leavesPage) return void this.notifications.setRead(notification.id, true).catch(() => {});
      // This page is about to unload: navigate only once the request is on its way.
      event.preventDefault();
      void this.notifications.markReadBeforeLeaving(notification.id).finally(() => window.location.assign(link.href));
    },
    toggleRead: (notification) => {
      const isRead = !notification.isRead;
      void this.notifications.setRead(notification.id, isRead).catch(() => {});
      this.emit('tresta-read', { ids: [notification.id], isRead });
    },
  };

  private async setOpen(open: boolean, { returnFocus = false } = {}): Promise<void> {
    if (this.open === open) return;
    if (open) await loadCenter();
    this.open = open;
    this.emit(open ? 'tresta-open' : 'tresta-close', {});
    if (!open && returnFocus) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('tresta-bell')?.focus();
    }
  }

  /** A click outside closes the center, leaving focus where the user put it. */
  private readonly onDocumentPointerDown = (event: PointerEvent) => {
    if (this.open && !event.composedPath().includes(this)) void this.setOpen(false);
  };

  private async announce(notification: Notification): Promise<void> {
    const shown = this.emit('tresta-notification', { notification }, { cancelable: true });
    // A hidden tab shows no toast (it would be stale when seen); of the visible ones, the first to claim it does.
    if (!shown || this.noToasts || document.visibilityState !== 'visible') return;
    if (!(await claimToast(notification.id))) return;
    this.renderRoot.querySelector<TrestaToasts>('tresta-toasts')?.show(notification);
  }

  private emit<K extends keyof TrestaNotificationsEventMap>(
    type: K,
    detail: TrestaNotificationsEventMap[K]['detail'],
    { cancelable = false } = {},
  ): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}

/**
 * The center is a chunk of its own, out of the initial bundle: fetched when the bell is hovered or
 * focused (so it is usually there by the click), or at the latest when the center opens.
 */
let centerLoaded: Promise<void> | undefined;
function loadCenter(): Promise<void> {
  centerLoaded ??= import('./tresta-center.js').then(
    (module) => module.defineTrestaCenter(),
    (error: unknown) => {
      centerLoaded = undefined;
      throw error;
    },
  );
  return centerLoaded;
}

/** Defines the elements once, so loading the module twice (two bundles on one page) does not throw. */
export function defineTrestaNotifications(): void {
  const elements: Array<[string, CustomElementConstructor]> = [
    ['tresta-bell', TrestaBell],
    ['tresta-toasts', TrestaToasts],
    ['tresta-notifications', TrestaNotificationsElement],
  ];
  for (const [name, element] of elements) if (!customElements.get(name)) customElements.define(name, element);
}

declare global {
  interface HTMLElementTagNameMap {
    'tresta-notifications': TrestaNotificationsElement;
  }
  interface HTMLElementEventMap extends TrestaNotificationsEventMap {}
}
