import { EntitySchema } from '@mikro-orm/core';

export type OutboxStatus = 'pending' | 'queued' | 'published';

/**
 * One row per committed notification, written in the notification's transaction. The relay claims
 * pending rows (claimedAt + claimToken form a lease and a fencing token), publishes them in real
 * time, and marks them published, or queued while a deliver-notification job still has work for
 * them (the job marks them published when done): a notification is delivered if and only if its
 * transaction committed.
 */
export interface OutboxEntry {
  id: string;
  notificationId: string;
  userId: string;
  status: OutboxStatus;
  attempts: number;
  claimedAt: Date | null;
  claimToken: string | null;
  publishedAt: Date | null;
  createdAt: Date;
}

export const OutboxEntrySchema = new EntitySchema<OutboxEntry>({
  name: 'TrestaOutboxEntry',
  tableName: 'tresta_outbox',
  properties: {
    id: { type: 'uuid', primary: true },
    notificationId: { type: 'uuid' },
    userId: { type: 'text' },
    status: { type: 'text', default: 'pending' },
    attempts: { type: 'integer', default: 0 },
    claimedAt: { type: 'datetime', length: 3, nullable: true },
    claimToken: { type: 'uuid', nullable: true },
    publishedAt: { type: 'datetime', length: 3, nullable: true },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
  indexes: [
    { name: 'tresta_outbox_status_created_at_idx', properties: ['status', 'createdAt'] },
    {
      name: 'tresta_outbox_pending_idx',
      expression: `create index "tresta_outbox_pending_idx" on "tresta_outbox" ("created_at", "id") where "status" = 'pending'`,
    },
    {
      name: 'tresta_outbox_unfinished_idx',
      expression: `create index "tresta_outbox_unfinished_idx" on "tresta_outbox" ("notification_id") where "status" <> 'published'`,
    },
  ],
});
