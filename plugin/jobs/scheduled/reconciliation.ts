import type { MikroORM } from '@mikro-orm/postgresql';
import { countDay } from '../../data/email-deliveries.js';
import { saveQuotaSnapshot } from '../../data/quota-snapshots.js';
import type { QuotaSnapshot } from '../../db/entities/quota-snapshot.js';
import type { QuotaGuard } from '../../quota/quota-guard.js';
import { nextUtcMidnight, utcDay } from '../../time/utc-day.js';

/** The snapshot the run wrote (one row per date). */
export type ReconciliationOutcome = Omit<QuotaSnapshot, 'createdAt'>;

/**
 * reconciliation — purpose: the nightly audit of a UTC day's email budget, and the record to
 * recover from when Redis has lost its counters.
 * Input: the tick (`now`, 23:59 UTC by default); the day is now's UTC date.
 * Effects: one quota snapshot row for the day (data/quota-snapshots.ts): Redis' quota counter
 * beside the delivery log's sent, deferred and failed counts, and the limit in force.
 * Output: the figures written. Safe to run twice: the row is an upsert keyed by the date.
 */
export async function runReconciliation(deps: { orm: MikroORM; quota: QuotaGuard }, now: Date): Promise<ReconciliationOutcome> {
  const date = utcDay(now);
  const dayStart = new Date(`${date}T00:00:00.000Z`).toISOString();
  const dayEnd = nextUtcMidnight(now).toISOString();
  const connection = deps.orm.em.getConnection();
  const [{ used, limit }, counts] = await Promise.all([deps.quota.usage(now), countDay(connection, { date, dayStart, dayEnd })]);
  const outcome: ReconciliationOutcome = {
    date,
    redisCount: used,
    sent: counts?.sent ?? 0,
    deferred: counts?.deferred ?? 0,
    failed: counts?.failed ?? 0,
    dailyLimit: limit,
  };
  await saveQuotaSnapshot(connection, outcome);
  return outcome;
}
