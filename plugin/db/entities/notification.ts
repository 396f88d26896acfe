import { EntitySchema } from '@mikro-orm/core';

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
  createdAt: Date;
  /** When a worker finished delivering it (published, or in-app off): the re-drive sweeper skips it from then on. */
  deliveredAt?: Date | null;
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
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    deliveredAt: { type: 'datetime', length: 3, nullable: true },
    digestRunId: { type: 'uuid', nullable: true },
  },
  indexes: [
    { name: 'tresta_notifications_user_id_is_read_idx', properties: ['userId', 'isRead'] },
    { name: 'tresta_notifications_user_id_created_at_idx', properties: ['userId', 'createdAt'] },
    { name: 'tresta_notifications_created_at_idx', properties: ['createdAt'] },
    {
      name: 'tresta_notifications_undelivered_idx',
      expression: `create index "tresta_notifications_undelivered_idx" on "tresta_notifications" ("created_at") where "delivered_at" is null`,
    },
    {
      name: 'tresta_notifications_undigested_idx',
      expression: `create index "tresta_notifications_undigested_idx" on "tresta_notifications" ("user_id", "created_at") where "digest_run_id" is null`,
    },
    { name: 'tresta_notifications_digest_run_id_idx', properties: ['digestRunId'] },
  ],
});
