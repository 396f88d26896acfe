import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import { utcDay } from '../time/utc-day.js';

const KEEP_DAYS = 7;
/**
 * Increments are summed in memory and written together this long after the first one: a burst of
 * 1,000 deliveries costs one MULTI per counter instead of one per delivery, and an idle process
 * writes nothing (the timer runs only while something is waiting). A process killed between two
 * writes loses at most this long of dashboard figures.
 */
const COUNTERS_FLUSH_MS = 1_000;

export interface Increment {
  /** The moment counted: its UTC day takes the increment (default: now). */
  at?: Date;
  /** The kind it counts under in the running total (`high`, `digest`…); none by default. */
  kind?: string;
}

type PendingCounts = Map<string, { name: string; date: string; kind: string; count: number }>;

interface Batch {
  done: Promise<void>;
  settle: (written: Promise<void>) => void;
}

function newBatch(): Batch {
  let settle!: (written: Promise<void>) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (written) => written.then(resolve, reject);
  });
  return { done, settle };
}

/**
 * Per-UTC-day counters in Redis (`<prefix>:metrics:<name>:<YYYY-MM-DD>`), kept 7 days: cheap to
 * bump from every worker process, and summed across all of them. Best effort by design: a lost
 * increment (a write that fails, a process killed before its next write) costs a figure on a
 * dashboard, never a delivery. These are dashboard figures only: the email quota counts in
 * `quota/` on its own keys, exactly, and nothing here feeds it.
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
  #pending: PendingCounts = new Map();
  /** What the callers of the pending increments wait for. */
  #batch: Batch | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** The writes so far, one after another: a flush on close waits for the one under way. */
  #written: Promise<void> = Promise.resolve();

  /** `redis`: the connection the counts are written on and read from; its owner closes it. */
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

  /** Adds one to the day's count and the running total in memory; resolves once the batch is in Redis. */
  increment(name: string, { at = new Date(), kind = '' }: Increment = {}): Promise<void> {
    const date = utcDay(at);
    const id = `${name}\n${date}\n${kind}`;
    const entry = this.#pending.get(id);
    if (entry) entry.count += 1;
    else this.#pending.set(id, { name, date, kind, count: 1 });
    if (!this.#batch) {
      this.#batch = newBatch();
      // Unref'd: a process about to exit does not wait for it; its close flushes instead.
      this.#timer = setTimeout(() => void this.flush().catch(() => undefined), COUNTERS_FLUSH_MS).unref();
    }
    return this.#batch.done;
  }

  /** Writes the pending counts now, after any write under way (on close, so a stopping process keeps its figures). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending;
    const batch = this.#batch;
    this.#pending = new Map();
    this.#batch = null;
    const write = this.#written.then(() => this.#write(pending));
    this.#written = write.catch(() => undefined);
    batch?.settle(write);
    return write;
  }

  async #write(pending: PendingCounts): Promise<void> {
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
