import type { NotificationRow } from '../data/notifications.js';
import type { NotificationView } from '../contract/index.js';
import type { Notification } from '../db/entities/index.js';

/** A notification as the API shows it: no user id, ISO dates. */
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
