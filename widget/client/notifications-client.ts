import { ApiClient } from './api.js';
import type { ConnectionStatus, RealtimeConnection } from './realtime-connection.js';
import { NotificationStore } from './store.js';
import type { SocketFactory } from './transports/websocket-transport.js';
import type {
  ListFilter,
  ListQuery,
  Notification,
  NotificationPage,
  Preferences,
  PreferencesUpdate,
  RealtimeMessage,
  TokenProvider,
} from './types.js';

export interface NotificationsClientOptions {
  /** Where the plugin's routes live, e.g. "/api" or "https://api.example.com/api". */
  apiBase: string;
  /** Supplies the session token; asked before every request and again after a 401. Hosts authenticating by cookie leave it out. */
  tokenProvider?: TokenProvider;
  /** Resolves a relative `apiBase`; the page's URL in a browser. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Opens the built-in WebSocket; the global WebSocket by default (browsers, Node 22+). */
  createSocket?: SocketFactory;
}

/**
 * The DOM-free client of the plugin's API (`tresta-notifications/client`), which `<tresta-notifications>`
 * is built on. Its methods are the REST routes; it also keeps a store of the list it loaded, and
 * performs the user's actions optimistically there (the store changes at once and is corrected if the
 * server says no). `subscribe` opens the real-time connection (Ably → WebSocket → polling) on first use.
 */
export class NotificationsClient {
  readonly api: ApiClient;
  readonly store = new NotificationStore();
  /** How the subscription hears about changes (`offline` without subscribers). */
  status: ConnectionStatus = 'offline';
  private readonly listeners = new Set<(message: RealtimeMessage) => void>();
  private connection: Promise<RealtimeConnection> | undefined;

  constructor(private readonly options: NotificationsClientOptions) {
    this.api = new ApiClient({
      apiBase: options.apiBase,
      baseUrl: options.baseUrl ?? globalThis.location?.href ?? 'http://localhost/',
      getToken: () => options.tokenProvider?.(),
      fetch: options.fetch,
    });
  }

  list(query: ListQuery = {}): Promise<NotificationPage> {
    return this.api.list(query);
  }

  unreadCount(filter: { category?: string } = {}): Promise<number> {
    return this.api.unreadCount(filter);
  }

  getPreferences(): Promise<Preferences> {
    return this.api.preferences();
  }

  updatePreferences(update: PreferencesUpdate): Promise<Preferences> {
    return this.api.updatePreferences(update);
  }

  /** Marks one read or unread; resolves with the server's version, or rejects after restoring the previous state. */
  async markRead(id: string, isRead = true): Promise<Notification> {
    const before = this.store.items.find((item) => item.id === id);
    this.store.setRead(id, isRead);
    try {
      const notification = await this.api.setRead(id, isRead);
      this.store.replaceItem(notification);
      return notification;
    } catch (error) {
      if (before) this.store.setRead(id, before.isRead);
      throw error;
    }
  }

  async markAllRead(): Promise<{ updated: number }> {
    this.store.applyRead({ all: true, unreadCount: 0 });
    try {
      return await this.api.markAllRead();
    } catch (error) {
      // What is unread again is the server's to say.
      await this.catchUp().catch(() => {});
      throw error;
    }
  }

  /** Archives one (or brings it back); the list and the count follow at once, and again with the server's answer. */
  async archive(id: string, isArchived = true): Promise<Notification> {
    const before = this.store.items.find((item) => item.id === id);
    const unreadDelta = before && !before.isRead ? (isArchived ? -1 : 1) : 0;
    this.store.applyArchived({ ids: [id], isArchived, unreadCount: this.store.unreadCount + unreadDelta });
    try {
      const notification = await this.api.setArchived(id, isArchived);
      this.store.setUnreadCount(await this.api.unreadCount());
      return notification;
    } catch (error) {
      await this.catchUp().catch(() => {});
      throw error;
    }
  }

  async archiveRead(): Promise<{ updated: number }> {
    this.store.applyArchived({ allRead: true, isArchived: true, unreadCount: this.store.unreadCount });
    try {
      return await this.api.archiveRead();
    } catch (error) {
      await this.catchUp().catch(() => {});
      throw error;
    }
  }

  /**
   * Real-time messages as they arrive (the store applies them first). The connection opens with the
   * first subscriber and closes with the last; it is a lazy chunk, loaded on first use.
   */
  subscribe(listener: (message: RealtimeMessage) => void): () => void {
    this.listeners.add(listener);
    this.connection ??= this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  /** Stops the real-time connection; the client can still make requests. */
  close(): void {
    this.listeners.clear();
    this.disconnect();
  }

  private async connect(): Promise<RealtimeConnection> {
    const { RealtimeConnection } = await import('./realtime-connection.js');
    const connection = new RealtimeConnection({
      api: this.api,
      createSocket: this.options.createSocket ?? ((url) => new WebSocket(url)),
      loadAbly: () => import('./transports/ably-transport.js'),
      catchUp: async () => void (await this.catchUp()),
      onMessage: (message) => {
        this.apply(message);
        for (const listener of this.listeners) listener(message);
      },
      onStatus: (status: ConnectionStatus) => (this.status = status),
    });
    if (this.listeners.size > 0) connection.start();
    return connection;
  }

  private disconnect(): void {
    void this.connection?.then((connection) => connection.stop());
    this.connection = undefined;
    this.status = 'offline';
  }

  /** Another tab of the center: the store's list starts over under `filter` and loads its first page. */
  setFilter(filter: ListFilter): Promise<void> {
    this.store.setFilter(filter);
    return this.load();
  }

  /** The first page and the count, shown with a loading state and an error state to retry from. */
  async load(): Promise<void> {
    if (this.store.listState !== 'ready') this.store.setListState('loading');
    try {
      await this.catchUp();
    } catch {
      if (this.store.listState !== 'ready') this.store.setListState('error');
    }
  }

  /**
   * Refetches the first page and the count (after a reconnect, on a poll). Returns the page, the
   * count and the notifications this tab had never seen.
   */
  async catchUp(): Promise<{ page: NotificationPage; unreadCount: number; fresh: Notification[] }> {
    const { filter } = this.store;
    // The badge shows the count as soon as it is here, whatever becomes of the list.
    const count = this.api.unreadCount().then((unreadCount) => {
      this.store.setUnreadCount(unreadCount);
      return unreadCount;
    });
    const [page, unreadCount] = await Promise.all([this.api.list(filter), count]);
    // A tab switched meanwhile: this page is of another list.
    if (filter !== this.store.filter) return { page: { items: [], nextCursor: null }, unreadCount, fresh: [] };
    return { page, unreadCount, fresh: this.mergeLatest(page, unreadCount) };
  }

  /** A first page and count fetched by another tab. */
  mergeLatest(page: NotificationPage, unreadCount: number): Notification[] {
    const fresh = this.store.mergeLatest(page);
    this.store.setUnreadCount(unreadCount);
    return fresh;
  }

  /** The next page for infinite scroll; one request at a time, none past the end. */
  async loadMore(): Promise<void> {
    const { store } = this;
    if (store.nextCursor === null || store.moreState === 'loading' || store.listState !== 'ready') return;
    const { filter } = store;
    store.setMoreState('loading');
    try {
      const page = await this.api.list({ ...filter, cursor: store.nextCursor });
      if (filter === store.filter) store.append(page);
    } catch {
      if (filter === store.filter) store.setMoreState('error');
    }
  }

  /** Applies a real-time message; returns the notification when it is new to this tab. */
  apply(message: RealtimeMessage): Notification | null {
    if (message.name === 'new-notification') return this.store.receive(message.data) ? message.data : null;
    if (message.name === 'notifications-archived') this.store.applyArchived(message.data);
    else this.store.applyRead(message.data);
    return null;
  }
}
