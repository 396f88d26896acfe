import type { ArchiveChange, ListFilter, Notification, NotificationPage, ReadChange } from './types.js';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

/** Newest first, as the server pages them: created_at desc, then id desc. */
function newerFirst(a: Notification, b: Notification): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * What one tab knows about the user's notifications: the loaded part of the list (newest first),
 * the unread count and the cursor of the next page. Every notification id is remembered once seen,
 * so a message delivered twice (a retried job, two transports, a refetch after a reconnect) is
 * recognised and never announced twice.
 */
export class NotificationStore {
  /** What the loaded list shows (a tab of the center); the unread count is always the whole inbox's. */
  filter: ListFilter = {};
  items: readonly Notification[] = [];
  unreadCount = 0;
  nextCursor: string | null = null;
  listState: LoadState = 'idle';
  moreState: LoadState = 'idle';

  private readonly seen = new Set<string>();
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether a notification belongs in the list under the current filter (search is the server's to judge). */
  matches(notification: Notification): boolean {
    const { status = 'all', category, type } = this.filter;
    if (status === 'archived' ? !notification.isArchived : notification.isArchived) return false;
    if (status === 'unread' && notification.isRead) return false;
    if (status === 'read' && !notification.isRead) return false;
    if (category && notification.category !== category) return false;
    return !type || notification.type === type;
  }

  /** Another tab of the center: the list starts over under the new filter (ids stay seen). */
  setFilter(filter: ListFilter): void {
    this.filter = filter;
    this.items = [];
    this.nextCursor = null;
    this.listState = 'idle';
    this.moreState = 'idle';
    this.changed();
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  setListState(state: LoadState): void {
    this.listState = state;
    this.changed();
  }

  setMoreState(state: LoadState): void {
    this.moreState = state;
    this.changed();
  }

  setUnreadCount(count: number): void {
    this.unreadCount = Math.max(0, count);
    this.changed();
  }

  /**
   * The first page, freshly fetched. Returns the notifications this tab had never seen — none on the
   * first load: what was there before the tab opened is history, not news.
   */
  mergeLatest(page: NotificationPage): Notification[] {
    const firstLoad = this.listState !== 'ready';
    const fresh = page.items.filter((item) => !this.seen.has(item.id));
    const overlaps = page.items.length > fresh.length;
    // A full page of nothing known means more than a page was missed: the loaded list has a gap,
    // so start over from this page and let infinite scroll walk on from its cursor.
    const hasGap = page.nextCursor !== null && !overlaps && this.items.length > 0;
    if (this.listState !== 'ready' || hasGap) {
      const oldest = page.items.at(-1);
      const keep = page.nextCursor === null || !oldest ? this.items : this.items.filter((item) => newerFirst(item, oldest) < 0);
      this.items = this.union(page.items, keep);
      this.nextCursor = page.nextCursor;
    } else {
      this.items = this.union(page.items, this.items);
    }
    for (const item of page.items) this.seen.add(item.id);
    this.listState = 'ready';
    this.changed();
    return firstLoad ? [] : fresh;
  }

  /** The next page, from infinite scroll. */
  append(page: NotificationPage): void {
    this.items = this.union(this.items, page.items);
    for (const item of page.items) this.seen.add(item.id);
    this.nextCursor = page.nextCursor;
    this.moreState = 'idle';
    this.changed();
  }

  /** A real-time `new-notification`. True when it is new to this tab (announce it), false for a duplicate. */
  receive(notification: Notification): boolean {
    if (this.seen.has(notification.id)) return false;
    this.seen.add(notification.id);
    if (this.matches(notification) && !this.filter.q) this.items = this.union([notification], this.items);
    if (!notification.isRead && !notification.isArchived) this.unreadCount += 1;
    this.changed();
    return true;
  }

  /** A `notifications-read` message: the server's count is the truth. */
  applyRead(change: ReadChange): void {
    const readAt = new Date().toISOString();
    const read = 'all' in change ? null : new Set(change.ids);
    this.items = this.items.map((item) =>
      !item.isRead && (read === null || read.has(item.id)) ? { ...item, isRead: true, readAt } : item,
    );
    this.unreadCount = Math.max(0, change.unreadCount);
    this.changed();
  }

  /**
   * A `notifications-archived` message, or the user's own archive action: the items change state,
   * and leave the list when they no longer belong in it.
   */
  applyArchived(change: ArchiveChange): void {
    const archivedAt = change.isArchived ? new Date().toISOString() : null;
    const touched = (item: Notification) => ('allRead' in change ? item.isRead : change.ids.includes(item.id));
    this.items = this.items
      .map((item) => (touched(item) && item.isArchived !== change.isArchived ? { ...item, isArchived: change.isArchived, archivedAt } : item))
      .filter((item) => !touched(item) || this.matches(item));
    this.unreadCount = Math.max(0, change.unreadCount);
    this.changed();
  }

  /** One notification read or unread, as the user chose (before the server confirms). */
  setRead(id: string, isRead: boolean): void {
    const current = this.items.find((item) => item.id === id);
    if (!current || current.isRead === isRead) return;
    this.replaceItem({ ...current, isRead, readAt: isRead ? new Date().toISOString() : null });
    if (!current.isArchived) this.unreadCount = Math.max(0, this.unreadCount + (isRead ? -1 : 1));
    this.changed();
  }

  /** The server's version of one notification (the answer to a PATCH); a group row keeps its count. */
  replaceItem(updated: Notification): void {
    this.items = this.items.map((item) =>
      item.id === updated.id ? { ...updated, groupCount: item.groupCount, groupUnreadCount: item.groupUnreadCount } : item,
    );
    this.changed();
  }

  /** Merges two lists, the first one's version of a notification winning, sorted newest first. */
  private union(preferred: readonly Notification[], others: readonly Notification[]): Notification[] {
    const byId = new Map<string, Notification>();
    for (const item of others) byId.set(item.id, item);
    for (const item of preferred) byId.set(item.id, item);
    return [...byId.values()].sort(newerFirst);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
