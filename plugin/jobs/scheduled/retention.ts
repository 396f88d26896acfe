import type { MikroORM } from '@mikro-orm/postgresql';

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

// Each statement deletes one batch: (cutoff, batch size) → rows deleted.
const DELETE = {
  publishedOutbox: `
    delete from tresta_outbox where id in (
      select id from tresta_outbox where status = 'published' and published_at < ?::timestamptz limit ?)`,
  deliveryLogs: `
    delete from tresta_email_deliveries where id in (
      select id from tresta_email_deliveries
      where status in ('sent', 'suppressed', 'folded', 'failed') and created_at < ?::timestamptz limit ?)`,
  // A notification keeps the id of the digest that took it, so it is never taken again once the
  // digest's row is gone.
  digestRuns: `
    delete from tresta_digest_runs where id in (
      select id from tresta_digest_runs where created_at < ?::timestamptz limit ?)`,
  // Finished runs only: the running row of this very run (or of one that died recently) stays.
  jobRuns: `
    delete from tresta_job_runs where (job, period_key) in (
      select job, period_key from tresta_job_runs where status = 'finished' and finished_at < ?::timestamptz limit ?)`,
  readNotifications: `
    delete from tresta_notifications where id in (
      select id from tresta_notifications where created_at < ?::timestamptz and is_read limit ?)`,
} as const;

async function deleteInBatches(orm: MikroORM, sql: string, cutoff: Date, batchSize: number): Promise<number> {
  const connection = orm.em.getConnection();
  let deleted = 0;
  for (;;) {
    const result = await connection.execute<{ affectedRows?: number }>(sql, [cutoff.toISOString(), batchSize], 'run');
    const count = result.affectedRows ?? 0;
    deleted += count;
    if (count < batchSize) return deleted;
  }
}

/**
 * retention — purpose: keep the tables to what is still useful.
 * Input: the tick (`now`, 03:00 UTC by default) and the `retention` option.
 * Effects: deletes, batch by batch, published outbox rows older than an hour; delivery log rows
 * in a final state, digest rows and finished job-run rows
 * older than deliveryLogDays; read notifications older than readNotificationsDays when that is set.
 * Output: how many rows of each. Safe to run twice: a delete of what is already gone deletes nothing.
 */
export async function runRetention(deps: { orm: MikroORM; retention: RetentionSettings }, now: Date): Promise<RetentionOutcome> {
  const { orm, retention } = deps;
  const logCutoff = new Date(now.getTime() - retention.deliveryLogDays * DAY_MS);
  const batch = retention.batchSize;
  return {
    publishedOutbox: await deleteInBatches(orm, DELETE.publishedOutbox, new Date(now.getTime() - PUBLISHED_OUTBOX_MS), batch),
    deliveryLogs: await deleteInBatches(orm, DELETE.deliveryLogs, logCutoff, batch),
    digestRuns: await deleteInBatches(orm, DELETE.digestRuns, logCutoff, batch),
    jobRuns: await deleteInBatches(orm, DELETE.jobRuns, logCutoff, batch),
    readNotifications:
      retention.readNotificationsDays === null
        ? 0
        : await deleteInBatches(
            orm,
            DELETE.readNotifications,
            new Date(now.getTime() - retention.readNotificationsDays * DAY_MS),
            batch,
          ),
  };
}
