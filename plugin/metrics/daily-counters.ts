import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import { utcDay } from '../time/utc-day.js';

const KEEP_DAYS = 7;
/**
 * Increments within this long of the first one go to Redis together: a burst of 1,000 deliveries
 * costs a few INCRBY instead of a MULTI/INCR/EXPIRE/EXEC each (four commands).
 */
const FLUSH_AFTER_MS = 250;

export interface Increment {
  /** The moment counted: its UTC day takes the increment (default: now). */
  at?: Date;
  /** The kind it counts under in the running total (`high`, `digest`…); none by default. */
  kind?: string;
}

/**
 * Per-UTC-day counters in Redis (`<prefix>:metrics:<name>:<YYYY-MM-DD>`), kept 7 days: cheap to
 * bump from every worker process, and summed across all of them. Best effort by design: a lost
 * increment costs a figure on a dashboard, never a delivery.
 *
 * Each increment also bumps the counter's running total (`<prefix>:metrics:<name>:total`, a hash of
 * counts per kind), which carries no date and never expires: Prometheus needs a counter that only
 * goes up, whatever the day. It lives in Redis rather than in each process's memory so that every
 * instance reports the same cluster-wide figure, whichever worker did the work; a Redis that loses
 * it starts again from zero, which Prometheus reads as a counter reset, as it does a restart.
 */
export class DailyCounters {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  /** Counts not yet in Redis, by key. */
  #pending = new Map<string, { name: string; date: string; kind: string; count: number }>();
  #flushing: Promise<void> | null = null;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    // One counter's days and total are read together: one group, one slot on a cluster.
    this.#keys = new RedisKeys(prefix, redis);
  }

  #key(name: string, date: string): string {
    return this.#keys.inGroup(`metrics:${name}`, `:${date}`);
  }

  #totalKey(name: string): string {
    return this.#keys.inGroup(`metrics:${name}`, ':total');
  }

  /** Adds one to the day's count and the running total; resolves once it is in Redis (with the others of its batch). */
  increment(name: string, { at = new Date(), kind = '' }: Increment = {}): Promise<void> {
    const date = utcDay(at);
    const id = `${name}
${date}
${kind}`;
    const entry = this.#pending.get(id);
    if (entry) entry.count += 1;
    else this.#pending.set(id, { name, date, kind, count: 1 });
    this.#flushing ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_AFTER_MS)).then(() => this.flush());
    return this.#flushing;
  }

  /** Writes the pending counts now (also on close, so a stopping process keeps its figures). */
  async flush(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#flushing = null;
    if (pending.size === 0) return;
    // One transaction per counter, so a reader never sees the day's count without the running
    // total's: a counter's day and total share a hash slot, while different counters may live on
    // different nodes of a cluster.
    await Promise.all(
      [...pending.values()].map(async ({ name, date, kind, count }) => {
        const key = this.#key(name, date);
        await this.#redis
          .multi()
          .incrby(key, count)
          .expire(key, (KEEP_DAYS + 1) * 86_400)
          .hincrby(this.#totalKey(name), kind, count)
          .exec();
      }),
    );
  }

  /** The last 7 UTC days, oldest first, today last. */
  async lastDays(name: string, now = new Date()): Promise<Array<{ date: string; count: number }>> {
    const dates = Array.from({ length: KEEP_DAYS }, (_, i) => utcDay(new Date(now.getTime() - (KEEP_DAYS - 1 - i) * 86_400_000)));
    const values = await this.#redis.mget(...dates.map((date) => this.#key(name, date)));
    return dates.map((date, i) => ({ date, count: Number(values[i] ?? 0) }));
  }

  /** Everything counted since the total began, by kind ('' for increments without one). */
  async total(name: string): Promise<Record<string, number>> {
    const fields = await this.#redis.hgetall(this.#totalKey(name));
    return Object.fromEntries(Object.entries(fields).map(([kind, count]) => [kind, Number(count)]));
  }
}
