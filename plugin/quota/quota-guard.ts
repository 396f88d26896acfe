import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';
import { RedisKeys } from '../redis-keys.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { nextUtcMidnight, secondsToNextUtcMidnight, utcDay } from '../utc-day.js';
import type { BudgetAlerts } from './budget-alerts.js';

const RESERVE_SCRIPT = readFileSync(new URL('./reserveEmailQuota-6.lua', import.meta.url), 'utf8');

type ScriptReply = [code: number, budgetUsed: number, retryAfterSeconds: number];
interface WithReserveCommand {
  // Sent as EVALSHA (ioredis loads the script again by itself after a SCRIPT FLUSH or restart).
  trestaReserveEmailQuota(...keysThenArgs: Array<string | number>): Promise<ScriptReply>;
}

export type Reservation =
  | { outcome: 'reserved' | 'already-reserved'; budgetUsed: number }
  | { outcome: 'budget-spent'; budgetUsed: number }
  | { outcome: 'user-limited'; retryAfterSeconds: number };

export interface ReserveInput {
  /** Unique per email (the delivery's idempotency key): a retry never counts twice. */
  emailKey: string;
  userId: string;
  priority: 'high' | 'normal';
  recipients: number;
  now?: Date;
}

const QUOTA_GROUP = 'email:quota';

const isLockedOn = (lock: string | null | undefined, day: string) => lock === day || lock === `provider:${day}`;

// Emails that took a place in a day's budget, by the delivery log: the source of truth when
// Redis has lost the day's counter.
const COUNTED_IN_POSTGRES = `
  select coalesce(sum(recipients), 0)::int as total,
         coalesce(sum(recipients) filter (where priority = 'normal'), 0)::int as normal
  from tresta_email_deliveries
  where quota_date = ?::date and status in ('pending', 'sent')`;

/**
 * The email budget: `dailyLimit` normal emails per UTC day (high priority always passes but is
 * counted in the day's total), `perUserHourlyLimit` per user. One Redis round trip per check in
 * the steady state.
 */
export class QuotaGuard {
  readonly #redis: RedisClient;
  readonly #orm: MikroORM;
  readonly #keys: RedisKeys;
  readonly #limits: { dailyLimit: number; perUserHourlyLimit: number };

  readonly #alerts: BudgetAlerts | null;

  constructor(deps: {
    redis: RedisClient;
    orm: MikroORM;
    prefix: string;
    dailyLimit: number;
    perUserHourlyLimit: number;
    /** Slack warnings at 80, 90 and 100 % of the budget. */
    alerts?: BudgetAlerts;
  }) {
    if (!('trestaReserveEmailQuota' in deps.redis)) {
      deps.redis.defineCommand('trestaReserveEmailQuota', { numberOfKeys: 6, lua: RESERVE_SCRIPT });
    }
    this.#redis = deps.redis;
    this.#orm = deps.orm;
    // The reservation script touches all of its keys at once: one group, one slot on a cluster.
    this.#keys = new RedisKeys(deps.prefix, deps.redis);
    this.#limits = { dailyLimit: deps.dailyLimit, perUserHourlyLimit: deps.perUserHourlyLimit };
    this.#alerts = deps.alerts ?? null;
  }

  dayKey(day: string): string {
    return this.#keys.inGroup(QUOTA_GROUP, `:${day}`);
  }

  get #lockKey(): string {
    return this.#keys.inGroup(QUOTA_GROUP, ':locked');
  }

  get #nextRetryKey(): string {
    return this.#keys.inGroup(QUOTA_GROUP, ':next-retry');
  }

  /**
   * The seed's quota lock, gone at midnight UTC: set when the day's budget is used up (the count
   * then refuses normal email), or when Resend said its daily quota is exceeded (binding whatever
   * the count says: its value is `provider:<day>`).
   */
  async isLocked(now = new Date()): Promise<boolean> {
    return isLockedOn(await this.#redis.get(this.#lockKey), utcDay(now));
  }

  /** When normal sends may start again (the next UTC midnight), or null while the budget is open. */
  async nextRetryAt(now = new Date()): Promise<Date | null> {
    const [locked, nextRetry] = await this.#redis.mget(this.#lockKey, this.#nextRetryKey);
    return isLockedOn(locked, utcDay(now)) && nextRetry ? new Date(Number(nextRetry)) : null;
  }

  /** Stops normal sends until midnight UTC: the provider said its daily quota is spent. */
  async lockUntilNextDay(now = new Date()): Promise<void> {
    const ttl = secondsToNextUtcMidnight(now);
    await this.#redis
      .multi()
      .set(this.#lockKey, `provider:${utcDay(now)}`, 'EX', ttl)
      .set(this.#nextRetryKey, String(nextUtcMidnight(now).getTime()), 'EX', ttl)
      .exec();
  }

  /**
   * The day as Redis counted it (zeros before its first email): `used`, every email (what the
   * provider bills); `budgetUsed`, the normal-priority ones the limit applies to.
   */
  async usage(now = new Date()): Promise<{ used: number; budgetUsed: number; limit: number }> {
    const day = this.dayKey(utcDay(now));
    const [total, normal] = await this.#redis.mget(day, `${day}:normal`);
    return { used: Number(total ?? 0), budgetUsed: Number(normal ?? 0), limit: this.#limits.dailyLimit };
  }

  /**
   * Runs the reservation script against keys that never exist (so it answers "counter missing"
   * and writes nothing): readiness means the script runs, not only that Redis answers PING.
   */
  async probe(): Promise<boolean> {
    const script = this.#redis as unknown as WithReserveCommand;
    const probeKey = this.#keys.inGroup('health:quota-probe');
    const keys = ['', ':normal', ':email', ':user', ':lock', ':next'].map((suffix) => `${probeKey}${suffix}`);
    const [code] = await script.trestaReserveEmailQuota(...keys, 0, 'normal', 1, 60, 1, '1970-01-01', 60, 0);
    return code === -1;
  }

  async reserve(input: ReserveInput): Promise<Reservation> {
    const now = input.now ?? new Date();
    const day = utcDay(now);
    const toMidnight = secondsToNextUtcMidnight(now);
    const ttl = toMidnight + 3_600;
    const keys = [
      this.dayKey(day),
      `${this.dayKey(day)}:normal`,
      `${this.dayKey(day)}:email:${input.emailKey}`,
      this.#keys.besideGroup(QUOTA_GROUP, `ratelimit:email:${input.userId}`),
      this.#lockKey,
      this.#nextRetryKey,
    ];
    const args = [
      this.#limits.dailyLimit,
      input.priority,
      input.recipients,
      ttl,
      this.#limits.perUserHourlyLimit,
      day,
      toMidnight,
      nextUtcMidnight(now).getTime(),
    ];
    const script = this.#redis as unknown as WithReserveCommand;
    let [code, budgetUsed, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    if (code === -1) {
      await this.#rebuildDay(day, ttl);
      [code, budgetUsed, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    }
    if (code === 2) return { outcome: 'already-reserved', budgetUsed };
    if (code === -2) return { outcome: 'user-limited', retryAfterSeconds: retryAfter };
    // A warning is never worth delaying (or failing) the email that crossed the threshold.
    this.#alerts?.check(day, budgetUsed, code === 0, now).catch(() => undefined);
    if (code === 1) return { outcome: 'reserved', budgetUsed };
    return { outcome: 'budget-spent', budgetUsed };
  }

  /** Today's counts from the delivery log, unless another process rebuilt them first (NX). */
  async #rebuildDay(day: string, ttl: number): Promise<void> {
    const [row] = await this.#orm.em
      .getConnection()
      .execute<Array<{ total: number; normal: number }>>(COUNTED_IN_POSTGRES, [day]);
    // The normal count first: the total is what the script checks for "missing", so it lands last.
    await this.#redis.set(`${this.dayKey(day)}:normal`, String(row?.normal ?? 0), 'EX', ttl, 'NX');
    await this.#redis.set(this.dayKey(day), String(row?.total ?? 0), 'EX', ttl, 'NX');
  }
}
