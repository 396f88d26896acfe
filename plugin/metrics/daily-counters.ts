import type { RedisClient } from '../redis.js';
import { RedisKeys } from '../redis-keys.js';
import { utcDay } from '../utc-day.js';

const KEEP_DAYS = 7;
/**
 * Increments within this long of the first one go to Redis together: a burst of 1,000 deliveries
 * costs a few INCRBY instead of a MULTI/INCR/EXPIRE/EXEC each (four commands).
 */
const FLUSH_AFTER_MS = 250;

/**
 * Per-UTC-day counters in Redis (`<prefix>:metrics:<name>:<YYYY-MM-DD>`), kept 7 days: cheap to
 * bump from every worker process, and summed across all of them. Best effort by design: a lost
 * increment costs a figure on a dashboard, never a delivery.
 */
export class DailyCounters {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  /** Counts not yet in Redis, by key. */
  #pending = new Map<string, number>();
  #flushing: Promise<void> | null = null;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    // One counter's days are read together (MGET): one group, one slot on a cluster.
    this.#keys = new RedisKeys(prefix, redis);
  }

  #key(name: string, date: string): string {
    return this.#keys.inGroup(`metrics:${name}`, `:${date}`);
  }

  /** Adds one to today's count; resolves once it is in Redis (with the others of its batch). */
  increment(name: string, at = new Date()): Promise<void> {
    const key = this.#key(name, utcDay(at));
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    this.#flushing ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_AFTER_MS)).then(() => this.flush());
    return this.#flushing;
  }

  /** Writes the pending counts now (also on close, so a stopping process keeps its figures). */
  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#flushing = null;
    if (pending.size === 0) return;
    // Command by command, not one pipeline: on a cluster each counter lives in a slot of its own.
    await Promise.all(
      [...pending].map(async ([key, count]) => {
        await this.#redis.incrby(key, count);
        await this.#redis.expire(key, (KEEP_DAYS + 1) * 86_400);
      }),
    );
  }

  /** The last 7 UTC days, oldest first, today last. */
  async lastDays(name: string, now = new Date()): Promise<Array<{ date: string; count: number }>> {
    const dates = Array.from({ length: KEEP_DAYS }, (_, i) => utcDay(new Date(now.getTime() - (KEEP_DAYS - 1 - i) * 86_400_000)));
    const values = await this.#redis.mget(...dates.map((date) => this.#key(name, date)));
    return dates.map((date, i) => ({ date, count: Number(values[i] ?? 0) }));
  }
}
