import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { NotificationsClient } from '../client/notifications-client.js';
import type { NotificationStore } from '../client/store.js';
import type { TabMessage, TabSync } from '../client/tab-sync.js';
import type { ListFilter, Notification, RealtimeMessage, TokenProvider } from '../client/types.js';

/** What the element renders from the store. */
export type StoreView = Pick<NotificationStore, 'items' | 'unreadCount' | 'nextCursor' | 'listState' | 'moreState'>;
const EMPTY_STORE: StoreView = { items: [], unreadCount: 0, nextCursor: null, listState: 'idle', moreState: 'idle' };
/** How long a burst of new notifications may last before the count is asked again. */
const COUNT_REFRESH_DELAY_MS = 500;

/** What the controller reads from its element. */
export interface NotificationsHost extends ReactiveControllerHost {
  apiBase: string;
  token: string | null | undefined;
  tokenProvider: TokenProvider | null | undefined;
}

export interface NotificationsControllerOptions {
  /** A notification this tab had not seen arrived (in real time, by a poll, or from another tab). */
  onNew: (notification: Notification) => void;
  /** Activity in another tab of this browser. */
  onRemoteActivity: () => void;
}

/**
 * The element's model: a NotificationsClient whose store re-renders the host on every change, and
 * the channel to the other tabs of this browser, so what one tab learns or does (a new notification,
 * a read) every tab shows.
 */
export class NotificationsController implements ReactiveController {
  client!: NotificationsClient;
  tabs!: TabSync;
  /** Resolves once the client and the tab channel exist: they are a lazy chunk, loaded once the host gave credentials. */
  ready!: Promise<void>;
  private generation = 0;
  private unsubscribe: (() => void) | undefined;
  private countTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: NotificationsHost,
    private readonly options: NotificationsControllerOptions,
  ) {
    host.addController(this);
  }

  /** The store; empty until the client is loaded. */
  get store(): StoreView {
    return this.client?.store ?? EMPTY_STORE;
  }

  hostConnected(): void {
    const { host } = this;
    const generation = ++this.generation;
    // After the first update (properties set before the element was defined, tokenProvider, are in
    // place by then), and once there are credentials.
    this.ready = host.updateComplete
      .then(() => this.whenCredentials())
      .then(() => import('./notifications-model.js'))
      .then(({ NotificationsClient, TabSync }) => {
        if (generation !== this.generation) return new Promise<never>(() => {});
        this.client = new NotificationsClient({
          apiBase: host.apiBase,
          baseUrl: document.baseURI,
          tokenProvider: () => (host.tokenProvider ? host.tokenProvider() : host.token),
        });
        this.unsubscribe = this.client.store.subscribe(() => host.requestUpdate());
        this.tabs = new TabSync(`tresta-notifications:${this.client.api.resolve('notifications').href}`, (message) =>
          this.fromOtherTab(message),
        );
        void this.client.load();
      });
  }

  /** Whether the host said how to authenticate: a token, or a provider (which may answer null for cookie sessions). */
  get hasCredentials(): boolean {
    return Boolean(this.host.tokenProvider) || (this.host.token !== undefined && this.host.token !== null);
  }

  /**
   * Resolves once the host has set `token` or `tokenProvider`: a framework sets them after the element
   * is in the page, and a request before that would only earn a 401.
   */
  whenCredentials(): Promise<void> {
    if (this.hasCredentials) return Promise.resolve();
    this.credentials ??= (() => {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      return { promise, resolve };
    })();
    return this.credentials.promise;
  }

  private credentials: { promise: Promise<void>; resolve: () => void } | undefined;

  hostDisconnected(): void {
    this.generation++;
    clearTimeout(this.countTimer);
    this.unsubscribe?.();
    this.tabs?.close();
  }

  /** New credentials: a load that failed for want of them is worth retrying. */
  credentialsChanged(): void {
    if (this.credentials && this.hasCredentials) {
      this.credentials.resolve();
      this.credentials = undefined;
    } else if (this.client?.store.listState === 'error') void this.client.load();
  }

  /** The center shows another tab: its list loads, the count stays the inbox's. */
  showTab(filter: ListFilter): Promise<void> {
    return this.client.setFilter(filter);
  }

  retry(): Promise<void> {
    return this.client.load();
  }

  loadMore(): Promise<void> {
    return this.client.loadMore();
  }

  /** A message from this tab's real-time connection (this tab leads): apply it and tell the others. */
  receive(message: RealtimeMessage): void {
    this.announce(this.client.apply(message));
    this.tabs.post({ kind: 'message', message });
  }

  /** After a reconnect or on a poll (this tab leads): refetch, and hand the result to the others. */
  async catchUp(): Promise<void> {
    const { page, unreadCount, fresh } = await this.client.catchUp();
    fresh.forEach((notification) => this.announce(notification));
    this.tabs.post({ kind: 'caught-up', page, unreadCount, filter: this.client.store.filter });
  }

  async setRead(id: string, isRead: boolean): Promise<void> {
    const notification = await this.client.markRead(id, isRead);
    this.tabs.post({ kind: 'updated', notification, unreadCount: this.client.store.unreadCount });
  }

  async archive(id: string, isArchived: boolean): Promise<void> {
    await this.client.archive(id, isArchived);
    const data = { ids: [id], isArchived, unreadCount: this.client.store.unreadCount };
    this.tabs.post({ kind: 'message', message: { name: 'notifications-archived', data } });
  }

  async archiveRead(): Promise<void> {
    await this.client.archiveRead();
    const data = { allRead: true as const, isArchived: true, unreadCount: this.client.store.unreadCount };
    this.tabs.post({ kind: 'message', message: { name: 'notifications-archived', data } });
  }

  /** Marks one read with a request that survives the page unloading; resolves once it is sent. */
  markReadBeforeLeaving(id: string): Promise<void> {
    this.client.store.setRead(id, true);
    return this.client.api.sendReadBeforeLeaving(id);
  }

  async markAllRead(): Promise<void> {
    await this.client.markAllRead();
    this.tabs.post({ kind: 'message', message: { name: 'notifications-read', data: { all: true, unreadCount: 0 } } });
  }

  reportActivity(): void {
    this.tabs.post({ kind: 'activity' });
  }

  private fromOtherTab(message: TabMessage): void {
    switch (message.kind) {
      case 'message':
        return this.announce(this.client.apply(message.message));
      case 'caught-up':
        // Another browser tab showing another tab of the center: its page is of another list.
        if (JSON.stringify(message.filter) !== JSON.stringify(this.client.store.filter)) {
          return this.client.store.setUnreadCount(message.unreadCount);
        }
        return this.client.mergeLatest(message.page, message.unreadCount).forEach((notification) => this.announce(notification));
      case 'updated':
        this.client.store.replaceItem(message.notification);
        return this.client.store.setUnreadCount(message.unreadCount);
      case 'activity':
        return this.options.onRemoteActivity();
    }
  }

  private announce(notification: Notification | null): void {
    if (!notification) return;
    this.options.onNew(notification);
    this.refreshCountSoon();
  }

  /**
   * A new notification counts one more at once, but the server's count is the truth: a refetch that
   * raced with this notification's commit may already have counted it. Asked once per burst.
   */
  private refreshCountSoon(): void {
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(() => {
      this.client.api.unreadCount().then(
        (count) => this.client.store.setUnreadCount(count),
        () => {},
      );
    }, COUNT_REFRESH_DELAY_MS);
  }
}
