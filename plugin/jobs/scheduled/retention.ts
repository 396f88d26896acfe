import type { MikroORM } from '@mikro-orm/postgresql';
import { deleteOldDigests } from '../../data/digest-runs.js';
import { deleteFinishedDeliveries } from '../../data/email-deliveries.js';
import type { SqlExecutor } from '../../data/executor.js';
import { deleteFinishedJobRuns } from '../../data/job-runs.js';
import { deleteReadNotifications } from '../../data/notifications.js';
import { deletePublishedOutbox } from '../../data/outbox.js';
import type { UnreadCounts } from '../../services/unread-counts.js';

export interface RetentionSettings {
  /** Delivery log rows (sent, suppressed, folded, failed), old digest rows and job-run rows are kept this long. */
  deliveryLogDays: number;
  /** Read notifications older than this are deleted; null keeps them (the default). */
  readNotificationsDays: number | null;
  /** Rows per delete statement: short statements keep locks short. */
  batchSize: number;
}

export interface RetentionOutcome {
  publishedOutbox: number;
  deliveryLogs: number;
  digestRuns: number;
  jobRuns: number;
  readNotifications: number;
}

const DAY_MS = 86_400_000;
/** The same age as the relay's own clean-up: published rows are only kept for audits and the sweeper. */
const PUBLISHED_OUTBOX_MS = 3_600_000;

/** Deletes one batch of rows older than the cutoff: how many were deleted. */
type DeleteBatch = (db: SqlExecutor, cutoff: string, batchSize: number) => Promise<number>;

async function deleteInBatches(orm: MikroORM, deleteBatch: DeleteBatch, cutoff: Date, batchSize: number): Promise<number> {
  const connection = orm.em.getConnection();
  let deleted = 0;
  for (;;) {
    const count = await deleteBatch(connection, cutoff.toISOString(), batchSize);
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

/**
 * retention — purpose: keep the tables to what is still useful.
 * Input: the tick (`now`, 03:00 UTC by default) and the `retention` option.
 * Effects: deletes, batch by batch, published outbox rows older than an hour; delivery log rows
 * in a final state, digest rows and finished job-run rows
 * older than deliveryLogDays; read notifications older than readNotificationsDays when that is set,
 * dropping the cached unread counts of their owners after each batch.
 * Output: how many rows of each. Safe to run twice: a delete of what is already gone deletes nothing.
 */
export async function runRetention(
  deps: { orm: MikroORM; retention: RetentionSettings; unreadCounts: UnreadCounts },
  now: Date,
): Promise<RetentionOutcome> {
  const { orm, retention, unreadCounts } = deps;
  // Each batch commits on its own: its owners' counts are dropped before the next one.
  const deleteReadBatch: DeleteBatch = async (db, cutoff, batchSize) => {
    const { deleted, userIds } = await deleteReadNotifications(db, cutoff, batchSize);
    await unreadCounts.forget(userIds);
    return deleted;
  };
  const logCutoff = new Date(now.getTime() - retention.deliveryLogDays * DAY_MS);
  const batch = retention.batchSize;
  return {
    publishedOutbox: await deleteInBatches(orm, deletePublishedOutbox, new Date(now.getTime() - PUBLISHED_OUTBOX_MS), batch),
    deliveryLogs: await deleteInBatches(orm, deleteFinishedDeliveries, logCutoff, batch),
    digestRuns: await deleteInBatches(orm, deleteOldDigests, logCutoff, batch),
    jobRuns: await deleteInBatches(orm, deleteFinishedJobRuns, logCutoff, batch),
    readNotifications:
      retention.readNotificationsDays === null
        ? 0
        : await deleteInBatches(orm, deleteReadBatch, new Date(now.getTime() - retention.readNotificationsDays * DAY_MS), batch),
  };
}
