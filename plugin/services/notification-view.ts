import { storedRow, type NotificationRow } from '../data/notifications.js';
import type { NotificationView } from '../contract/index.js';
import type { Notification } from '../db/entities/index.js';

/** A notification as the API shows it: no user id, ISO dates. */
export function toNotificationView(entity: Notification): NotificationView {
  return rowToNotificationView(storedRow(entity));
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
