import { ApiClient, type ApiClientOptions } from './api.js';
import { NotificationStore } from './store.js';
import type { Notification, NotificationPage, RealtimeMessage } from './types.js';

/**
 * The widget's model, DOM-free: loads pages into the store, applies real-time messages, and performs
 * the user's actions optimistically (the store changes at once and is corrected if the server says no).
 */
export class NotificationsClient {
  readonly api: ApiClient;
  readonly store = new NotificationStore();

  constructor(options: ApiClientOptions) {
    this.api = new ApiClient(options);
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
    const [page, unreadCount] = await Promise.all([this.api.list(null), this.api.unreadCount()]);
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
    store.setMoreState('loading');
    try {
      store.append(await this.api.list(store.nextCursor));
    } catch {
      store.setMoreState('error');
    }
  }

  /** Applies a real-time message; returns the notification when it is new to this tab. */
  apply(message: RealtimeMessage): Notification | null {
    if (message.name === 'new-notification') return this.store.receive(message.data) ? message.data : null;
    this.store.applyRead(message.data);
    return null;
  }

  /** Marks one read or unread; resolves with the server's version and count, or rejects after restoring the previous state. */
  async setRead(id: string, isRead: boolean): Promise<{ notification: Notification; unreadCount: number }> {
    const before = this.store.items.find((item) => item.id === id);
    this.store.setRead(id, isRead);
    try {
      const notification = await this.api.setRead(id, isRead);
      this.store.replaceItem(notification);
      return { notification, unreadCount: this.store.unreadCount };
    } catch (error) {
      if (before) this.store.setRead(id, before.isRead);
      throw error;
    }
  }

  async markAllRead(): Promise<void> {
    this.store.applyRead({ all: true, unreadCount: 0 });
    try {
      await this.api.markAllRead();
    } catch (error) {
      // What is unread again is the server's to say.
      await this.catchUp().catch(() => {});
      throw error;
    }
  }
}
