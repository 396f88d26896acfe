// A notification as the API, the real-time transports and the widget carry it: no user id, dates as
// ISO strings (UTC, millisecond precision).

/** How loudly the widget shows a notification of the type. */
export type Severity = 'info' | 'success' | 'warning' | 'critical';

/** A button on a notification: a label and a URL that passed the server's allow-list (http(s) or a same-site path), like `link`. */
export interface NotificationAction {
  label: string;
  url: string;
  style?: 'primary' | 'secondary';
}

/** The public shape of a notification. */
export interface NotificationView {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: Record<string, unknown>;
  isRead: boolean;
  readAt: string | null;
  isArchived: boolean;
  archivedAt: string | null;
  category: string | null;
  severity: Severity;
  /** Preferences cannot turn this type off. */
  required: boolean;
  actions: NotificationAction[];
  groupKey: string | null;
  groupId: string | null;
  /**
   * In a list page: how many notifications this row stands for (a collapsed group: those of the
   * group that match the page's filters) and how many of them are unread. Elsewhere: 1, and 0 or 1.
   */
  groupCount: number;
  groupUnreadCount: number;
  createdAt: string;
}

/** What every channel shows of a notification (the center, an email, a push): its words, link and buttons. */
export type NotificationContent = Pick<NotificationView, 'id' | 'type' | 'title' | 'message' | 'link' | 'actions'>;

/** Which notifications a list shows: `all` is every one not archived. */
export type ListStatus = 'all' | 'unread' | 'read' | 'archived';

/** GET /api/notifications: one page of the list, and the cursor of the next (null on the last). */
export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
}

/** GET /api/notifications/unread-count. */
export interface UnreadCount {
  count: number;
}

/** PATCH /api/notifications/:id: read or unread, archived or back in the inbox (at least one of the two). */
export interface NotificationChange {
  isRead?: boolean;
  isArchived?: boolean;
}

/** POST /api/notifications/mark-all-read and /archive-read: how many notifications changed. */
export interface UpdatedCount {
  updated: number;
}
