import type { QuotaSnapshot } from '../db/entities/index.js';
import type { SqlExecutor } from './executor.js';

const UPSERT = `
  insert into tresta_quota_snapshots (date, redis_count, sent, deferred, failed, daily_limit)
  values (?::date, ?, ?, ?, ?, ?)
  on conflict (date) do update set
    redis_count = excluded.redis_count, sent = excluded.sent, deferred = excluded.deferred,
    failed = excluded.failed, daily_limit = excluded.daily_limit, created_at = now()`;

/** The day's snapshot, written again when the day has one already. */
export async function saveQuotaSnapshot(db: SqlExecutor, snapshot: Omit<QuotaSnapshot, 'createdAt'>): Promise<void> {
  await db.execute(
    UPSERT,
    [snapshot.date, snapshot.redisCount, snapshot.sent, snapshot.deferred, snapshot.failed, snapshot.dailyLimit],
    'run',
  );
}
