import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { countedInBudget } from '../data/email-deliveries.js';
import { nextUtcMidnight, secondsToNextUtcMidnight, utcDay } from '../time/utc-day.js';
import type { BudgetAlerts } from './budget-alerts.js';

const RESERVE_SCRIPT = readFileSync(new URL('./reserveEmailQuota-5.lua', import.meta.url), 'utf8');

type ScriptReply = [code: number, used: number, retryAfterSeconds: number];
interface WithReserveCommand {
  // Sent as EVALSHA (ioredis loads the script again by itself after a SCRIPT FLUSH or restart).
  trestaReserveEmailQuota(...keysThenArgs: Array<string | number>): Promise<ScriptReply>;
}

export type Reservation =
  | { outcome: 'reserved' | 'already-reserved'; used: number }
  | { outcome: 'budget-spent'; used: number }
  | { outcome: 'user-limited'; retryAfterSeconds: number };

/** The day's figures: `used` counts every email; `remaining` is what normal email may still use. */
export interface QuotaUsage {
  used: number;
  limit: number;
  reserve: number;
  remaining: number;
}

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

/**
 * The email budget: `dailyLimit` emails of every priority per UTC day (the provider's cap), of
 * which normal email may use all but `criticalReserve`; high priority always passes and is
 * counted. `perUserHourlyLimit` per user. One Redis round trip per check in the steady state.
 */
export class QuotaGuard {
  readonly #redis: RedisClient;
  readonly #orm: MikroORM;
  readonly #keys: RedisKeys;
  readonly #limits: { dailyLimit: number; criticalReserve: number; perUserHourlyLimit: number };

  readonly #alerts: BudgetAlerts | null;

  constructor(deps: {
    redis: RedisClient;
    orm: MikroORM;
    prefix: string;
    dailyLimit: number;
    /** Places of `dailyLimit` held back from normal email for critical email (default none). */
    criticalReserve?: number;
    perUserHourlyLimit: number;
    /** Slack warnings at 80, 90 and 100 % of the limit, and when normal email starts to wait. */
    alerts?: BudgetAlerts;
  }) {
    if (!('trestaReserveEmailQuota' in deps.redis)) {
      deps.redis.defineCommand('trestaReserveEmailQuota', { numberOfKeys: 5, lua: RESERVE_SCRIPT });
    }
    this.#redis = deps.redis;
    this.#orm = deps.orm;
    // The reservation script touches all of its keys at once: one group, one slot on a cluster.
    this.#keys = new RedisKeys(deps.prefix, deps.redis);
    this.#limits = {
      dailyLimit: deps.dailyLimit,
      criticalReserve: deps.criticalReserve ?? 0,
      perUserHourlyLimit: deps.perUserHourlyLimit,
    };
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
   * The quota lock, gone at midnight UTC: set when normal email has used the day's budget
   * up to the critical reserve (the count then refuses normal email), or when Resend said its daily quota is exceeded (binding whatever
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

  /** The day as Redis counted it (zero before its first email). */
  async usage(now = new Date()): Promise<QuotaUsage> {
    const used = Number((await this.#redis.get(this.dayKey(utcDay(now)))) ?? 0);
    const { dailyLimit: limit, criticalReserve: reserve } = this.#limits;
    return { used, limit, reserve, remaining: Math.max(0, limit - reserve - used) };
  }

  /**
   * Runs the reservation script against keys that never exist (so it answers "counter missing"
   * and writes nothing): readiness means the script runs, not only that Redis answers PING.
   */
  async probe(): Promise<boolean> {
    const script = this.#redis as unknown as WithReserveCommand;
    const probeKey = this.#keys.inGroup('health:quota-probe');
    const keys = ['', ':email', ':user', ':lock', ':next'].map((suffix) => `${probeKey}${suffix}`);
    const [code] = await script.trestaReserveEmailQuota(...keys, 0, 'normal', 1, 60, 1, '1970-01-01', 60, 0, 0);
    return code === -1;
  }

  async reserve(input: ReserveInput): Promise<Reservation> {
    const now = input.now ?? new Date();
    const day = utcDay(now);
    const toMidnight = secondsToNextUtcMidnight(now);
    const ttl = toMidnight + 3_600;
    const keys = [
      this.dayKey(day),
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
      this.#limits.criticalReserve,
    ];
    const script = this.#redis as unknown as WithReserveCommand;
    let [code, used, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    if (code === -1) {
      await this.#rebuildDay(day, ttl);
      [code, used, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    }
    if (code === 2) return { outcome: 'already-reserved', used };
    if (code === -2) return { outcome: 'user-limited', retryAfterSeconds: retryAfter };
    // A warning is never worth delaying (or failing) the email that crossed the threshold.
    this.#alerts?.check(day, used, code === 0, now).catch(() => undefined);
    if (code === 1) return { outcome: 'reserved', used };
    return { outcome: 'budget-spent', used };
  }

  /** Today's count from the delivery log, unless another process rebuilt it first (NX). */
  async #rebuildDay(day: string, ttl: number): Promise<void> {
    const counted = await countedInBudget(this.#orm.em.getConnection(), day);
    await this.#redis.set(this.dayKey(day), String(counted), 'EX', ttl, 'NX');
  }
}
