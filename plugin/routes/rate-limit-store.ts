import { readFileSync } from 'node:fs';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';

const SYNC_SCRIPT = readFileSync(new URL('./syncRateLimit-1.lua', import.meta.url), 'utf8');

/** How often the counts admitted here go to Redis, when there are any: the freshness of every instance's view. */
const RATE_LIMIT_SYNC_MS = 500;

/**
 * The share of the limit one instance may admit for one key before Redis has confirmed it: a
 * twentieth (at least one request). It bounds how far a key can go over its limit: at most
 * (instances − 1) × max(1, ⌊limit / 20⌋) requests per window, about 5 % of the limit for each
 * instance beyond the first. A single instance is exact.
 */
export function batchAllowance(max: number): number {
  return Math.max(1, Math.floor(max / 20));
}

type Decision = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Decision) => void;

/** One key's count as this instance knows it, in the current window. */
interface Tally {
  redisKey: string;
  windowMs: number;
  /** When the window closes (this clock), as Redis last said. */
  windowEnd: number;
  /** Every instance's admissions, as Redis last confirmed them (ours included). */
  known: number;
  /** Admitted here, not yet sent to Redis. */
  unsent: number;
  /** Admitted here, sent in the batch on its way. */
  inflight: number;
  /** Redis has answered for this key at least once in this window. */
  synced: boolean;
  /** Requests that wait for the next answer before they are decided. */
  waiting: Array<() => void>;
}

interface SyncCommand {
  trestaSyncRateLimit(key: string, windowMs: number, admitted: number): Promise<[number, number]>;
}

/**
 * A store for @fastify/rate-limit that decides in memory and shares its counts in batches: the
 * plugin keeps the headers, the 429 and its body; this store answers `incr` from a per-key tally,
 * so a request costs no Redis round trip. Every RATE_LIMIT_SYNC_MS (only while something was
 * admitted) one batch adds each key's local admissions to the key's shared window count in Redis
 * and reads the cluster's total back: one script call per key touched, sent together. The store
 * of @fastify/rate-limit for Redis runs one script per request instead, which this replaces.
 *
 * A key seen for the first time in a window, and a key whose unconfirmed admissions reach the
 * batch allowance, wait for the next batch (sent at once): a request refused is refused on counts
 * Redis confirmed, so a key under its limit is never refused, and the overshoot stays within
 * (instances − 1) × batchAllowance(limit) per window.
 *
 * With Redis away, a failed batch's admissions count locally: each instance then enforces the limit
 * on its own until Redis answers again, rather than skipping it.
 */
export class BatchedRateLimitStore {
  readonly #redis: RedisClient & SyncCommand;
  readonly #keys: RedisKeys;
  readonly #scope: string;
  readonly #tallies = new Map<string, Tally>();
  /** Keys with admissions not yet sent, or requests waiting on an answer. */
  readonly #due = new Set<Tally>();
  #timer: NodeJS.Timeout | null = null;
  #urgent: NodeJS.Immediate | null = null;
  #syncing: Promise<void> | null = null;
  #closed = false;

  /** Counts under `<prefix>:<scope>:<key>` (one slot per key on a cluster). */
  constructor(redis: RedisClient, prefix: string, scope: string) {
    if (!('trestaSyncRateLimit' in redis)) redis.defineCommand('trestaSyncRateLimit', { numberOfKeys: 1, lua: SYNC_SCRIPT });
    this.#redis = redis as RedisClient & SyncCommand;
    this.#keys = new RedisKeys(prefix, redis);
    this.#scope = scope;
  }

  /** The constructor @fastify/rate-limit's `store` option takes; every instance it makes is this store. */
  get forPlugin(): FastifyRateLimitStoreCtor {
    const store: FastifyRateLimitStore = {
      incr: (key, callback, timeWindow, max) => this.incr(key, callback, timeWindow, max),
      child: () => store,
    };
    return function BatchedStore() {
      return store;
    } as unknown as FastifyRateLimitStoreCtor;
  }

  /** Counts one request for `key`; answers at once unless the key must hear from Redis first. */
  incr(key: string, callback: Callback, windowMs: number, max: number): void {
    const now = Date.now();
    let tally = this.#tallies.get(key);
    if (!tally || tally.windowEnd <= now) {
      tally = {
        redisKey: this.#keys.inGroup(`${this.#scope}:${key}`),
        windowMs,
        windowEnd: now + windowMs,
        known: 0,
        unsent: 0,
        inflight: 0,
        synced: false,
        waiting: [],
      };
      this.#tallies.set(key, tally);
    }
    const unconfirmed = tally.unsent + tally.inflight;
    const seen = tally.known + unconfirmed;
    const ttl = tally.windowEnd - now;
    if (tally.synced && seen >= max) return callback(null, { current: seen + 1, ttl });
    if (!tally.synced || unconfirmed >= batchAllowance(max)) {
      if (this.#closed) return callback(null, { current: seen + 1, ttl });
      tally.waiting.push(() => this.incr(key, callback, windowMs, max));
      this.#due.add(tally);
      this.#syncSoon();
      return;
    }
    tally.unsent += 1;
    this.#due.add(tally);
    this.#timer ??= setTimeout(() => this.#sync(), RATE_LIMIT_SYNC_MS).unref();
    callback(null, { current: seen + 1, ttl });
  }

  /** Sends what was admitted here (on close, so the other instances count it). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#syncing;
    await this.#sync();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#urgent) clearImmediate(this.#urgent);
  }

  /** A batch right after this turn of the event loop, so the requests of one turn share it. */
  #syncSoon(): void {
    if (this.#syncing || this.#urgent) return;
    this.#urgent = setImmediate(() => void this.#sync());
  }

  #sync(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#urgent) clearImmediate(this.#urgent);
    this.#timer = null;
    this.#urgent = null;
    this.#syncing ??= this.#sendBatch().finally(() => {
      this.#syncing = null;
      // What arrived while the batch was out: the waiting go at once, admissions on the timer.
      if ([...this.#due].some((tally) => tally.waiting.length > 0)) this.#syncSoon();
      else if (this.#due.size > 0 && !this.#closed) this.#timer ??= setTimeout(() => this.#sync(), RATE_LIMIT_SYNC_MS).unref();
    });
    return this.#syncing;
  }

  async #sendBatch(): Promise<void> {
    const batch = [...this.#due].map((tally) => ({ tally, admitted: tally.unsent, waiting: tally.waiting }));
    this.#due.clear();
    this.#forgetClosedWindows();
    if (batch.length === 0) return;
    for (const { tally, admitted } of batch) {
      tally.inflight += admitted;
      tally.unsent = 0;
      tally.waiting = [];
    }
    // A single Redis takes the whole batch in one write (a pipeline). A cluster routes each key to
    // its own master, and ioredis refuses a pipeline across slots: one call per key, all at once.
    const answers = this.#keys.cluster
      ? await Promise.allSettled(
          batch.map(({ tally, admitted }) => this.#redis.trestaSyncRateLimit(tally.redisKey, tally.windowMs, admitted)),
        )
      : await this.#pipelined(batch);
    const now = Date.now();
    batch.forEach(({ tally, admitted }, i) => {
      const answer = answers[i] as PromiseSettledResult<[number, number]>;
      tally.inflight -= admitted;
      tally.synced = true;
      if (answer.status === 'fulfilled') {
        const [count, ttl] = answer.value;
        tally.known = Number(count);
        if (Number(ttl) > 0) tally.windowEnd = now + Number(ttl);
      } else {
        tally.known += admitted;
      }
    });
    for (const { waiting } of batch) for (const retry of waiting) retry();
  }

  async #pipelined(batch: Array<{ tally: Tally; admitted: number }>): Promise<Array<PromiseSettledResult<[number, number]>>> {
    const pipeline = this.#redis.pipeline() as unknown as SyncCommand & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    for (const { tally, admitted } of batch) pipeline.trestaSyncRateLimit(tally.redisKey, tally.windowMs, admitted);
    try {
      const replies = (await pipeline.exec()) ?? [];
      return batch.map((_, i) => {
        const [error, value] = replies[i] ?? [new Error('no reply'), null];
        return error ? { status: 'rejected', reason: error } : { status: 'fulfilled', value: value as [number, number] };
      });
    } catch (error) {
      return batch.map(() => ({ status: 'rejected', reason: error }));
    }
  }

  /** Drops the tallies of windows that closed with nothing left to send. */
  #forgetClosedWindows(): void {
    const now = Date.now();
    for (const [key, tally] of this.#tallies) {
      if (tally.windowEnd <= now && tally.unsent === 0 && tally.inflight === 0 && tally.waiting.length === 0)
        this.#tallies.delete(key);
    }
  }
}
