import type { NotificationAction, NotificationView, Severity } from '../contract/index.js';
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

/** Selects a timestamp column already in the API's ISO form (millisecond precision, UTC). */
export const isoColumn = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns of a NotificationRow, from the notifications table under `alias`. */
export const notificationColumns = (alias: string) =>
  `${alias}.id, ${alias}.type, ${alias}.title, ${alias}.message, ${alias}.link, ${alias}.metadata, ${alias}.is_read,
   ${isoColumn(`${alias}.read_at`)} as read_at, ${alias}.is_archived, ${isoColumn(`${alias}.archived_at`)} as archived_at,
   ${alias}.category, ${alias}.severity, ${alias}.required, ${alias}.actions, ${alias}.group_key, ${alias}.group_id,
   ${isoColumn(`${alias}.created_at`)} as created_at`;

/** A notification row as raw SQL returns it, through notificationColumns(). */
export interface NotificationRow {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: Record<string, unknown>;
  is_read: boolean;
  read_at: string | null;
  is_archived: boolean;
  archived_at: string | null;
  category: string | null;
  severity: Severity;
  required: boolean;
  actions: NotificationAction[];
  group_key: string | null;
  group_id: string | null;
  created_at: string;
  /** Only on list pages, where a group collapses into one row. */
  group_count?: number;
  group_unread_count?: number;
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
