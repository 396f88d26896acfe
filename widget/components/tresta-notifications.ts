import { html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { I18n, loadStringPack, type StringOverrides } from '../client/i18n/i18n.js';
import type { ConnectionStatus } from '../client/realtime-connection.js';
import type { ListStatus, Notification, NotificationAction, TokenProvider } from '../client/types.js';
import { NotificationsController } from '../controllers/notifications-controller.js';
import { DEFAULT_IDLE_TIMEOUT_MS, RealtimeController } from '../controllers/realtime-controller.js';
import { themeStyles } from './theme.styles.js';
import { TrestaBell } from './tresta-bell.js';
import type { ItemIcons, RenderItem } from './notification-item.js';
import type { CenterHost } from './center-host.js';
import { rootStyles } from './tresta-notifications.styles.js';
import type { TrestaToasts } from './tresta-toasts.js';

export type TrestaReadDetail = { ids: string[]; isRead: boolean } | { all: true; isRead: true };

/** A tab of the center: a label and the list it shows (`status` defaults to `all`, every one not archived). */
export interface TrestaTab {
  label: string;
  status?: ListStatus;
  category?: string;
}

export interface TrestaActionDetail {
  notification: Notification;
  action: NotificationAction;
}

/** The events `<tresta-notifications>` fires: bubbling, composed, each for something the user did or saw. */
export interface TrestaNotificationsEventMap {
  /** A notification arrived that this tab had not seen. Cancel it (preventDefault) to show no toast. */
  'tresta-notification': CustomEvent<{ notification: Notification }>;
  'tresta-open': CustomEvent<Record<string, never>>;
  'tresta-close': CustomEvent<Record<string, never>>;
  /** The user marked notifications read or unread. */
  'tresta-read': CustomEvent<TrestaReadDetail>;
  /** An action button of an item or toast was pressed. Cancel it (preventDefault) to handle it yourself; otherwise its url opens. */
  'tresta-action': CustomEvent<TrestaActionDetail>;
}

/**
 * @tag tresta-notifications
 *
 * `<tresta-notifications>`: a bell with the unread count, the notification center it opens, and toasts
 * for new notifications, kept live by one real-time connection per browser.
 *
 * @event tresta-notification - a notification arrived; `detail.notification`; cancelable (no toast)
 * @event tresta-open - the center opened
 * @event tresta-close - the center closed
 * @event tresta-read - the user marked notifications read or unread; `detail` is `{ ids, isRead }` or `{ all: true, isRead: true }`
 * @event tresta-action - an action button was pressed; `detail` is `{ notification, action }`; cancelable (the url is not opened)
 *
 * @slot bell-icon - replaces the bell's icon
 * @slot empty - shown when the list is empty
 *
 * @csspart bell - the bell button
 * @csspart badge - the unread count on the bell
 * @csspart panel - the notification center (a dialog)
 * @csspart header - the center's title bar
 * @csspart mark-all-read - the "Mark all read" button
 * @csspart archive-read - the "Archive read" button
 * @csspart close - the close button of the popover
 * @csspart tabs - the tab list; each tab is `tab` (the selected one also `tab-active`)
 * @csspart item - one notification in the list (also `item-read` or `item-unread`)
 * @csspart item-link - the clickable body of an item
 * @csspart item-icon - the icon of an item
 * @csspart item-toggle - the read / unread button of an item
 * @csspart item-archive - the archive / move to inbox button of an item
 * @csspart action - an action button (also `action-primary` or `action-secondary`), on items and toasts
 * @csspart group-toggle - the "Show all" button of a grouped row
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
 * @cssproperty --tresta-color-hover - background of a hovered item or button
 * @cssproperty --tresta-color-info - icon colour of `info` notifications
 * @cssproperty --tresta-color-success - icon colour of `success` notifications
 * @cssproperty --tresta-color-warning - icon colour and accent of `warning` notifications
 * @cssproperty --tresta-color-critical - icon colour and accent of `critical` notifications
 * @cssproperty --tresta-radius - corner radius of the panel and toasts
 * @cssproperty --tresta-density - spacing of list rows (1 default; 0.75 compact)
 * @cssproperty --tresta-font - font family (default: the page's)
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
    mode: { type: String, reflect: true },
    noToasts: { type: Boolean, attribute: 'no-toasts' },
    tokenProvider: { attribute: false },
    tabs: { attribute: false },
    icons: { attribute: false },
    renderItem: { attribute: false },
    strings: { attribute: false },
    idleTimeoutMs: { type: Number, attribute: false },
    open: { state: true },
    activeTab: { state: true },
    toastsLoaded: { state: true },
  };

  declare apiBase: string;
  declare token: string | null | undefined;
  declare locale: string | undefined;
  /** `light` (default), `dark`, or `auto` (follows the OS). */
  declare theme: 'light' | 'dark' | 'auto';
  /** `popover` (default): a bell opening a popover; `inline`: the full inbox in the page's flow. */
  declare mode: 'popover' | 'inline';
  declare noToasts: boolean;
  declare tokenProvider: TokenProvider | null | undefined;
  /** The center's tabs; default All, Unread, Archived (localized). */
  declare tabs: TrestaTab[] | undefined;
  /** Icons by notification type or severity: text or an element (copied). */
  declare icons: ItemIcons;
  /** Replaces an item's body with the host's element; null keeps the built-in one. */
  declare renderItem: RenderItem | null | undefined;
  declare strings: StringOverrides;
  declare idleTimeoutMs: number;
  declare open: boolean;
  declare activeTab: number;
  declare toastsLoaded: boolean;

  /** @internal */
  i18n = new I18n('en');
  /** @internal */
  readonly notifications: NotificationsController;
  private readonly realtime: RealtimeController;

  constructor() {
    super();
    this.apiBase = '/api';
    this.theme = 'light';
    this.mode = 'popover';
    this.noToasts = false;
    this.icons = {};
    this.renderItem = null;
    this.activeTab = 0;
    this.toastsLoaded = false;
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
    document.addEventListener('keydown', this.onDocumentKeydown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.onDocumentPointerDown, true);
    document.removeEventListener('keydown', this.onDocumentKeydown);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('mode') && this.mode === 'inline') void this.loadCenter();
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
    const inline = this.mode === 'inline';
    const center = this.centerHost;
    return html`
      ${
        inline
          ? nothing
          : html`<tresta-bell
              exportparts="bell, badge"
              .count=${store.unreadCount}
              .label=${label}
              .expanded=${this.open}
              @click=${() => this.setOpen(!this.open)}
              @pointerenter=${this.loadCenter}
              @focusin=${this.loadCenter}
              ><slot name="bell-icon" slot="bell-icon">${bellIcon}</slot></tresta-bell
            >`
      }
      ${
        center && (inline || this.open)
          ? html`<tresta-center
              exportparts="panel, header, mark-all-read, archive-read, close, tabs, tab, tab-active, item, item-read, item-unread, item-link, item-icon, item-toggle, item-archive, action, action-primary, action-secondary, group-toggle, preferences, push"
              .i18n=${this.i18n}
              .api=${this.notifications.client.api}
              .actions=${center.actions}
              .items=${store.items}
              .unreadCount=${store.unreadCount}
              .listState=${store.listState}
              .moreState=${store.moreState}
              .hasMore=${store.nextCursor !== null}
              .tabs=${center.tabCounts()}
              .activeTab=${this.activeTab}
              .archivedTab=${center.isArchivedTab()}
              .icons=${this.icons}
              .renderItem=${this.renderItem}
              .anchor=${this.renderRoot.querySelector('tresta-bell')}
              mode=${this.mode}
              ><slot name="empty" slot="empty"></slot
            ></tresta-center>`
          : nothing
      }
      ${
        this.toastsLoaded
          ? html`<tresta-toasts
              exportparts="toast-stack, toast, action, action-primary, action-secondary"
              .i18n=${this.i18n}
              .onActivate=${(notification: Notification) => void this.loadCenter().then((host) => host.activateToast(notification))}
              .onAction=${(notification: Notification, action: NotificationAction) =>
                void this.loadCenter().then((host) => host.actions.act(notification, action))}
            ></tresta-toasts>`
          : nothing
      }
    `;
  }

  /**
   * The center is a chunk of its own, out of the initial bundle: fetched when the bell is hovered or
   * focused (so it is usually there by the click), or at the latest when the center opens.
   */
  private centerHost: CenterHost | undefined;
  private centerLoading: Promise<CenterHost> | undefined;
  private readonly loadCenter = (): Promise<CenterHost> => {
    this.centerLoading ??= import('./center-host.js').then(
      (module) => {
        module.defineTrestaCenter();
        this.centerHost = new module.CenterHost(this);
        this.requestUpdate();
        return this.centerHost;
      },
      (error: unknown) => {
        this.centerLoading = undefined;
        throw error;
      },
    );
    return this.centerLoading;
  };

  /** @internal */
  async setOpen(open: boolean, { returnFocus = false } = {}): Promise<void> {
    if (this.open === open || this.mode === 'inline') return;
    if (open) await this.loadCenter();
    this.open = open;
    this.emit(open ? 'tresta-open' : 'tresta-close', {});
    if (!open && returnFocus) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('tresta-bell')?.focus();
    }
  }

  /** Escape closes the popover wherever focus is (on the page, or lost after a bulk action). */
  private readonly onDocumentKeydown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && this.open && !event.defaultPrevented) void this.setOpen(false, { returnFocus: true });
  };

  /** A click outside closes the center, leaving focus where the user put it. */
  private readonly onDocumentPointerDown = (event: PointerEvent) => {
    if (this.open && !event.composedPath().includes(this)) void this.setOpen(false);
  };

  private async announce(notification: Notification): Promise<void> {
    const shown = this.emit('tresta-notification', { notification }, { cancelable: true });
    // A hidden tab shows no toast (it would be stale when seen); of the visible ones, the first to claim it does.
    if (!shown || this.noToasts || document.visibilityState !== 'visible') return;
    const toasts = await loadToasts();
    if (!(await toasts.claimToast(notification.id))) return;
    this.toastsLoaded = true;
    await this.updateComplete;
    this.renderRoot.querySelector<TrestaToasts>('tresta-toasts')?.show(notification);
  }

  /** @internal */
  emit<K extends keyof TrestaNotificationsEventMap>(
    type: K,
    detail: TrestaNotificationsEventMap[K]['detail'],
    { cancelable = false } = {},
  ): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}

/** Toasts are a chunk of their own too, fetched with the first notification to show. */
let toastsLoaded: Promise<typeof import('./tresta-toasts.js')> | undefined;
function loadToasts(): Promise<typeof import('./tresta-toasts.js')> {
  toastsLoaded ??= import('./tresta-toasts.js').then(
    (module) => {
      module.defineTrestaToasts();
      return module;
    },
    (error: unknown) => {
      toastsLoaded = undefined;
      throw error;
    },
  );
  return toastsLoaded;
}

const bellIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round">
  <path d="M6 9a6 6 0 0 1 12 0c0 5 2 6.5 2 6.5H4S6 14 6 9" />
  <path d="M10 19a2 2 0 0 0 4 0" />
</svg>`;

/** Defines the elements once, so loading the module twice (two bundles on one page) does not throw. */
export function defineTrestaNotifications(): void {
  const elements: Array<[string, CustomElementConstructor]> = [
    ['tresta-bell', TrestaBell],
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
