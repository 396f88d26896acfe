import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { MikroORM } from '@mikro-orm/postgresql';
import { secondsToNextUtcMidnight, utcDay } from '../utc-day.js';

const RESERVE_SCRIPT = readFileSync(new URL('./reserveEmailQuota-3.lua', import.meta.url), 'utf8');

type ScriptReply = [code: number, dailyCount: number, retryAfterSeconds: number];
interface WithReserveCommand {
  // Sent as EVALSHA (ioredis loads the script again by itself after a SCRIPT FLUSH or restart).
  trestaReserveEmailQuota(...keysThenArgs: Array<string | number>): Promise<ScriptReply>;
}

export type Reservation =
  | { outcome: 'reserved' | 'already-reserved'; dailyCount: number }
  | { outcome: 'budget-spent'; dailyCount: number }
  | { outcome: 'user-limited'; retryAfterSeconds: number };

export interface ReserveInput {
  /** Unique per email (the delivery's idempotency key): a retry never counts twice. */
  emailKey: string;
  userId: string;
  priority: 'high' | 'normal';
  recipients: number;
  now?: Date;
}

// Emails that took a place in a day's budget, by the delivery log: the source of truth when
// Redis has lost the day's counter.
const COUNTED_IN_POSTGRES = `
  select coalesce(sum(recipients), 0)::int as count from tresta_email_deliveries
  where quota_date = ?::date and status in ('pending', 'sent')`;

/**
 * The email budget: `dailyLimit` normal emails per UTC day (high priority always passes but is
 * counted), `perUserHourlyLimit` per user. One Redis round trip per check in the steady state.
 */
export class QuotaGuard {
  readonly #redis: Redis;
  readonly #orm: MikroORM;
  readonly #prefix: string;
  readonly #limits: { dailyLimit: number; perUserHourlyLimit: number };

  constructor(deps: { redis: Redis; orm: MikroORM; prefix: string; dailyLimit: number; perUserHourlyLimit: number }) {
    if (!('trestaReserveEmailQuota' in deps.redis)) {
      deps.redis.defineCommand('trestaReserveEmailQuota', { numberOfKeys: 3, lua: RESERVE_SCRIPT });
    }
    this.#redis = deps.redis;
    this.#orm = deps.orm;
    this.#prefix = deps.prefix;
    this.#limits = { dailyLimit: deps.dailyLimit, perUserHourlyLimit: deps.perUserHourlyLimit };
  }

  dayKey(day: string): string {
    return `${this.#prefix}:email:quota:${day}`;
  }

  /** The day's budget as it stands: what Redis counted (0 before the day's first email) and the limit. */
  async usage(now = new Date()): Promise<{ used: number; limit: number }> {
    return { used: Number((await this.#redis.get(this.dayKey(utcDay(now)))) ?? 0), limit: this.#limits.dailyLimit };
  }

  /**
   * Runs the reservation script against keys that never exist (so it answers "counter missing"
   * and writes nothing): readiness means the script runs, not only that Redis answers PING.
   */
  async probe(): Promise<boolean> {
    const script = this.#redis as unknown as WithReserveCommand;
    const probeKey = `${this.#prefix}:health:quota-probe`;
    const [code] = await script.trestaReserveEmailQuota(probeKey, `${probeKey}:email`, `${probeKey}:user`, 0, 'normal', 1, 60, 1);
    return code === -1;
  }

  async reserve(input: ReserveInput): Promise<Reservation> {
    const now = input.now ?? new Date();
    const day = utcDay(now);
    const ttl = secondsToNextUtcMidnight(now) + 3_600;
    const keys = [
      this.dayKey(day),
      `${this.dayKey(day)}:email:${input.emailKey}`,
      `${this.#prefix}:ratelimit:email:${input.userId}`,
    ];
    const args = [this.#limits.dailyLimit, input.priority, input.recipients, ttl, this.#limits.perUserHourlyLimit];
    const script = this.#redis as unknown as WithReserveCommand;
    let [code, dailyCount, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    if (code === -1) {
      await this.#rebuildDay(day, ttl);
      [code, dailyCount, retryAfter] = await script.trestaReserveEmailQuota(...keys, ...args);
    }
    if (code === 1) return { outcome: 'reserved', dailyCount };
    if (code === 2) return { outcome: 'already-reserved', dailyCount };
    if (code === -2) return { outcome: 'user-limited', retryAfterSeconds: retryAfter };
    return { outcome: 'budget-spent', dailyCount };
  }

  /** Today's count from the delivery log, unless another process rebuilt it first (NX). */
  async #rebuildDay(day: string, ttl: number): Promise<void> {
    const [row] = await this.#orm.em.getConnection().execute<Array<{ count: number }>>(COUNTED_IN_POSTGRES, [day]);
    await this.#redis.set(this.dayKey(day), String(row?.count ?? 0), 'EX', ttl, 'NX');
  }
}
