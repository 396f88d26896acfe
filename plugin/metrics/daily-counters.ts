import type { RedisClient } from '../redis.js';
import { RedisKeys } from '../redis-keys.js';
import { utcDay } from '../utc-day.js';

const KEEP_DAYS = 7;

/**
 * Per-UTC-day counters in Redis (`<prefix>:metrics:<name>:<YYYY-MM-DD>`), kept 7 days: cheap to
 * bump from every worker process, and summed across all of them. Best effort by design: a lost
 * increment costs a figure on a dashboard, never a delivery.
 */
export class DailyCounters {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    // One counter's days are read together (MGET): one group, one slot on a cluster.
    this.#keys = new RedisKeys(prefix, redis);
  }

  #key(name: string, date: string): string {
    return this.#keys.inGroup(`metrics:${name}`, `:${date}`);
  }

  async increment(name: string, at = new Date()): Promise<void> {
    const key = this.#key(name, utcDay(at));
    await this.#redis
      .multi()
      .incr(key)
      .expire(key, (KEEP_DAYS + 1) * 86_400)
      .exec();
  }

  /** The last 7 UTC days, oldest first, today last. */
  async lastDays(name: string, now = new Date()): Promise<Array<{ date: string; count: number }>> {
    const dates = Array.from({ length: KEEP_DAYS }, (_, i) => utcDay(new Date(now.getTime() - (KEEP_DAYS - 1 - i) * 86_400_000)));
    const values = await this.#redis.mget(...dates.map((date) => this.#key(name, date)));
    return dates.map((date, i) => ({ date, count: Number(values[i] ?? 0) }));
  }
}
