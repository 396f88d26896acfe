import type { MikroORM } from '@mikro-orm/postgresql';
import type { QuotaSnapshot } from '../../db/entities/quota-snapshot.js';
import type { QuotaGuard } from '../../quota/quota-guard.js';
import { nextUtcMidnight, utcDay } from '../../utc-day.js';

/** The snapshot the run wrote (one row per date). */
export type ReconciliationOutcome = Omit<QuotaSnapshot, 'createdAt'>;

// The day's emails by the delivery log. sent: counted in that day's budget and sent. failed:
// refused for good, last touched that day. deferred: waiting at snapshot time for the next day
// (deferred_until is the next UTC midnight), which is what the 23:59 run sees.
const COUNT_DAY = `
  select
    count(*) filter (where status = 'sent' and quota_date = ?::date)::int as sent,
    count(*) filter (where status = 'deferred' and deferred_until > ?::timestamptz and deferred_until <= ?::timestamptz)::int as deferred,
    count(*) filter (where status = 'failed' and updated_at >= ?::timestamptz and updated_at < ?::timestamptz)::int as failed
  from tresta_email_deliveries
  where quota_date = ?::date or status in ('deferred', 'failed')`;

const UPSERT_SNAPSHOT = `
  insert into tresta_quota_snapshots (date, redis_count, sent, deferred, failed, daily_limit)
  values (?::date, ?, ?, ?, ?, ?)
  on conflict (date) do update set
    redis_count = excluded.redis_count, sent = excluded.sent, deferred = excluded.deferred,
    failed = excluded.failed, daily_limit = excluded.daily_limit, created_at = now()`;

/**
 * reconciliation — purpose: the nightly audit of a UTC day's email budget, and the record to
 * recover from when Redis has lost its counters.
 * Input: the tick (`now`, 23:59 UTC by default); the day is now's UTC date.
 * Effects: one row in tresta_quota_snapshots for the day: Redis' quota counter beside the delivery
 * log's sent, deferred and failed counts, and the limit in force.
 * Output: the figures written. Safe to run twice: the row is an upsert keyed by the date.
 */
export async function runReconciliation(deps: { orm: MikroORM; quota: QuotaGuard }, now: Date): Promise<ReconciliationOutcome> {
  const date = utcDay(now);
  const dayStart = new Date(`${date}T00:00:00.000Z`).toISOString();
  const dayEnd = nextUtcMidnight(now).toISOString();
  const connection = deps.orm.em.getConnection();
  const [{ used, limit }, [counts]] = await Promise.all([
    deps.quota.usage(now),
    connection.execute<Array<{ sent: number; deferred: number; failed: number }>>(COUNT_DAY, [
      date,
      dayStart,
      dayEnd,
      dayStart,
      dayEnd,
      date,
    ]),
  ]);
  const outcome: ReconciliationOutcome = {
    date,
    redisCount: used,
    sent: counts?.sent ?? 0,
    deferred: counts?.deferred ?? 0,
    failed: counts?.failed ?? 0,
    dailyLimit: limit,
  };
  await connection.execute(
    UPSERT_SNAPSHOT,
    [date, outcome.redisCount, outcome.sent, outcome.deferred, outcome.failed, outcome.dailyLimit],
    'run',
  );
  return outcome;
}
