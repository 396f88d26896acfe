import type { NotificationRow } from '../data/notifications.js';
import type { Notification, NotificationAction } from '../db/entities/index.js';
import type { Severity } from '../notification-types.js';

/** The public shape of a notification (CONTRACT.md): no user id, ISO dates. */
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

export function toNotificationView(row: Notification): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    message: row.message,
    link: row.link,
    metadata: row.metadata,
    isRead: row.isRead,
    readAt: row.readAt ? row.readAt.toISOString() : null,
    isArchived: row.isArchived,
    archivedAt: row.archivedAt ? row.archivedAt.toISOString() : null,
    category: row.category,
    severity: row.severity,
    required: row.required,
    actions: row.actions,
    groupKey: row.groupKey,
    groupId: row.groupId,
    groupCount: 1,
    groupUnreadCount: row.isRead ? 0 : 1,
    createdAt: row.createdAt.toISOString(),
  };
}

export function rowToNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    message: row.message,
    link: row.link,
    metadata: row.metadata,
    isRead: row.is_read,
    readAt: row.read_at,
    isArchived: row.is_archived,
    archivedAt: row.archived_at,
    category: row.category,
    severity: row.severity,
    required: row.required,
    actions: row.actions,
    groupKey: row.group_key,
    groupId: row.group_id,
    groupCount: row.group_count ?? 1,
    groupUnreadCount: row.group_unread_count ?? (row.is_read ? 0 : 1),
    createdAt: row.created_at,
  };
}
