import type { I18n } from '../client/i18n/i18n.js';
import { safeHref } from '../client/safe-link.js';
import type { Notification } from '../client/types.js';
import type { NotificationsController } from '../controllers/notifications-controller.js';
import type { CenterActions, CenterTab, TrestaCenter } from './tresta-center.js';
import type { TrestaNotificationsEventMap, TrestaTab } from './tresta-notifications.js';

export { defineTrestaCenter } from './tresta-center.js';

/** What the center's logic needs of `<tresta-notifications>`. */
export interface CenterRoot {
  readonly notifications: NotificationsController;
  readonly i18n: I18n;
  readonly tabs: TrestaTab[] | undefined;
  activeTab: number;
  readonly renderRoot: HTMLElement | DocumentFragment;
  setOpen(open: boolean, options?: { returnFocus?: boolean }): Promise<void>;
  emit<K extends keyof TrestaNotificationsEventMap>(
    type: K,
    detail: TrestaNotificationsEventMap[K]['detail'],
    options?: { cancelable?: boolean },
  ): boolean;
  requestUpdate(): void;
}

/**
 * What the root element does for its center — the user's actions, tabs and their unread counts, a
 * toast's activation — in the center's lazy chunk, so the initial chunk carries none of it.
 */
export class CenterHost {
  private categoryCounts: ReadonlyMap<string, number> = new Map();
  private countedFor = -1;

  constructor(private readonly root: CenterRoot) {}

  /** The tabs shown: the host's, or All, Unread, Archived in the widget's language. */
  resolvedTabs(): TrestaTab[] {
    const { strings } = this.root.i18n;
    return (
      this.root.tabs ?? [
        { label: strings.tabAll, status: 'all' },
        { label: strings.tabUnread, status: 'unread' },
        { label: strings.tabArchived, status: 'archived' },
      ]
    );
  }

  /** Unread counts per tab: the inbox's for status tabs, asked of the server for category tabs; none for the archive. */
  tabCounts(): CenterTab[] {
    const { unreadCount } = this.root.notifications.store;
    if (unreadCount !== this.countedFor) {
      this.countedFor = unreadCount;
      void this.refreshCategoryCounts();
    }
    return this.resolvedTabs().map((tab) => ({
      label: tab.label,
      unread:
        tab.status === 'archived' || tab.status === 'read'
          ? null
          : tab.category
            ? (this.categoryCounts.get(tab.category) ?? null)
            : unreadCount,
    }));
  }

  isArchivedTab(): boolean {
    return this.resolvedTabs()[this.root.activeTab]?.status === 'archived';
  }

  private async refreshCategoryCounts(): Promise<void> {
    const categories = [...new Set(this.resolvedTabs().flatMap((tab) => (tab.category ? [tab.category] : [])))];
    if (categories.length === 0) return;
    const { client } = this.root.notifications;
    const counts = await Promise.all(categories.map((category) => client.unreadCount({ category }).catch(() => null)));
    const map = new Map<string, number>();
    categories.forEach((category, i) => counts[i] !== null && map.set(category, counts[i]!));
    this.categoryCounts = map;
    this.root.requestUpdate();
  }

  /** Marks read (told to the host) and navigates once the request is on its way: this page is about to unload. */
  private leaveFor(notification: Notification, href: string): void {
    const { root } = this;
    if (notification.isRead) return window.location.assign(href);
    root.emit('tresta-read', { ids: [notification.id], isRead: true });
    void root.notifications.markReadBeforeLeaving(notification.id).finally(() => window.location.assign(href));
  }

  readonly actions: CenterActions = {
    close: () => void this.root.setOpen(false, { returnFocus: true }),
    markAllRead: () => {
      void this.root.notifications.markAllRead().catch(() => {});
      this.root.emit('tresta-read', { all: true, isRead: true });
    },
    archiveRead: () => void this.root.notifications.archiveRead().catch(() => {}),
    toggleArchived: (notification) =>
      void this.root.notifications.archive(notification.id, !notification.isArchived).catch(() => {}),
    showTab: (index) => {
      this.root.activeTab = index;
      const tab = this.resolvedTabs()[index];
      void this.root.notifications.showTab({ status: tab?.status ?? 'all', category: tab?.category });
    },
    expandGroup: async (notification) => {
      const tab = this.resolvedTabs()[this.root.activeTab];
      const page = await this.root.notifications.client.list({
        group: notification.groupId ?? undefined,
        status: tab?.status,
        category: tab?.category,
        limit: 100,
      });
      return page.items;
    },
    act: (notification, action) => {
      if (!this.root.emit('tresta-action', { notification, action }, { cancelable: true })) return;
      const href = safeHref(action.url, document.baseURI);
      if (href) this.leaveFor(notification, href);
    },
    loadMore: () => void this.root.notifications.loadMore(),
    retry: () => void this.root.notifications.retry(),
    open: (notification, event) => {
      if (notification.isRead) return;
      const link = event.currentTarget instanceof HTMLAnchorElement ? event.currentTarget : null;
      const leavesPage = link && event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
      if (leavesPage) {
        event.preventDefault();
        return this.leaveFor(notification, link.href);
      }
      this.root.emit('tresta-read', { ids: [notification.id], isRead: true });
      void this.root.notifications.setRead(notification.id, true).catch(() => {});
    },
    toggleRead: (notification) => {
      const isRead = !notification.isRead;
      void this.root.notifications.setRead(notification.id, isRead).catch(() => {});
      this.root.emit('tresta-read', { ids: [notification.id], isRead });
    },
  };

  /** A toast's click opens its notification: its link (marked read on the way), or the center with focus on it. */
  async activateToast(notification: Notification): Promise<void> {
    const href = safeHref(notification.link, document.baseURI);
    if (href) return this.leaveFor(notification, href);
    await this.root.setOpen(true);
    const center = this.root.renderRoot.querySelector<TrestaCenter>('tresta-center');
    if (!center) return;
    await center.updateComplete;
    center.activeId = notification.id;
    await center.updateComplete;
    center.renderRoot.querySelector<HTMLElement>(`.item[data-id="${CSS.escape(notification.id)}"] .main`)?.focus();
  }
}
