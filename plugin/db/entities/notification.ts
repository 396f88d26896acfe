import { EntitySchema } from '@mikro-orm/core';
import type { NotificationAction, Severity } from '../../contract/index.js';

export interface Notification {
  id: string;
  userId: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: Record<string, unknown>;
  isRead: boolean;
  readAt: Date | null;
  isArchived: boolean;
  archivedAt: Date | null;
  /** The type's metadata when it was written: a later change of the type leaves history as it was. */
  category: string | null;
  severity: Severity;
  required: boolean;
  actions: NotificationAction[];
  /** The host's key: notifications of one type and key close together in time form one group. */
  groupKey: string | null;
  /** The id of the group's first notification; null when no group key was given. */
  groupId: string | null;
  createdAt: Date;
  /** The digest that took it (digest types, and deferred email folded into a digest); null until then. */
  digestRunId?: string | null;
}

// Timestamps are kept at millisecond precision (timestamptz(3)) so that a JavaScript Date
// round-trips exactly: the list cursor compares (created_at, id) and must never skip or repeat a row.
export const NotificationSchema = new EntitySchema<Notification>({
  name: 'TrestaNotification',
  tableName: 'tresta_notifications',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'text' },
    type: { type: 'text' },
    title: { type: 'text' },
    message: { type: 'text' },
    link: { type: 'text', nullable: true },
    metadata: { type: 'jsonb', defaultRaw: "'{}'" },
    isRead: { type: 'boolean', default: false },
    readAt: { type: 'datetime', length: 3, nullable: true },
    isArchived: { type: 'boolean', default: false },
    archivedAt: { type: 'datetime', length: 3, nullable: true },
    category: { type: 'text', nullable: true },
    severity: { type: 'text', default: 'info' },
    required: { type: 'boolean', default: false },
    actions: { type: 'jsonb', defaultRaw: "'[]'" },
    groupKey: { type: 'text', nullable: true },
    groupId: { type: 'uuid', nullable: true },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    digestRunId: { type: 'uuid', nullable: true },
  },
  indexes: [
    { name: 'tresta_notifications_user_id_is_read_idx', properties: ['userId', 'isRead'] },
    { name: 'tresta_notifications_user_id_created_at_id_idx', properties: ['userId', 'createdAt', 'id'] },
    { name: 'tresta_notifications_created_at_idx', properties: ['createdAt'] },
    {
      name: 'tresta_notifications_unread_idx',
      expression: `create index "tresta_notifications_unread_idx" on "tresta_notifications" ("user_id", "category") where "is_read" = false and "is_archived" = false`,
    },
    {
      name: 'tresta_notifications_search_idx',
      expression: `create index "tresta_notifications_search_idx" on "tresta_notifications" using gin (to_tsvector('simple', "title" || ' ' || "message"))`,
    },
    {
      name: 'tresta_notifications_group_key_idx',
      expression: `create index "tresta_notifications_group_key_idx" on "tresta_notifications" ("user_id", "type", "group_key", "created_at") where "group_key" is not null`,
    },
    {
      name: 'tresta_notifications_group_idx',
      expression: `create index "tresta_notifications_group_idx" on "tresta_notifications" ("group_id", "created_at") where "group_id" is not null`,
    },
    {
      name: 'tresta_notifications_undigested_idx',
      expression: `create index "tresta_notifications_undigested_idx" on "tresta_notifications" ("user_id", "created_at") where "digest_run_id" is null`,
    },
    { name: 'tresta_notifications_digest_run_id_idx', properties: ['digestRunId'] },
  ],
});
