import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Knex } from '@mikro-orm/knex';
import type { EntityManager, EventSubscriber, TransactionEventArgs } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { countUnread } from '../data/notifications.js';
import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';

const STORE_SCRIPT = readFileSync(new URL('./storeUnreadCount-2.lua', import.meta.url), 'utf8');

interface WithStoreCommand {
  // Sent as EVALSHA (ioredis loads the script again by itself after a SCRIPT FLUSH or restart).
  trestaStoreUnreadCount(countKey: string, generationKey: string, token: string, count: number, ttlMs: number): Promise<number>;
}

/**
 * How long a cached count lives. Only a writer that dies between its commit and its invalidation
 * (or cannot reach Redis then) leaves a wrong count cached, and this bounds how long it is served.
 */
export const UNREAD_COUNT_TTL_MS = 5 * 60_000;
/** How long a reader has to count in Postgres: a slower reader stores nothing (its token is gone). */
const GENERATION_TTL_MS = 60_000;

/**
 * Each user's unread count (the inbox, uncategorized), cached in Redis, and exact: cache-aside with
 * a generation per user.
 *
 * - A hit is one GET of `<prefix>:unread:<userId>:count`.
 * - On a miss the reader first stamps `…:generation` with a fresh random token, then counts in
 *   Postgres, then stores the count only if its token is still there (storeUnreadCount-2.lua).
 * - Every write that can change a user's count deletes both keys after its transaction commits.
 *
 * Why that is exact: a count that misses a write W was read from a snapshot taken before W
 * committed, so its reader stamped its token before W's invalidation. Stored before the
 * invalidation, the count is deleted by it; stored after, it is refused, since the invalidation
 * deleted the token and tokens are never reused (a FLUSHALL or an expiry loses the token too, so
 * the store is refused then as well). Readers only ever replace the token, which costs a concurrent
 * reader its store and never correctness. Keeping the count by INCR/DECR would save the Postgres
 * count on a miss, but every write would then have to know exactly how much it changed the count
 * and apply it once, even when it dies or retries: invalidation needs neither.
 *
 * Both keys of a user share one hash tag: the script's keys are in one slot on a cluster.
 */
export class UnreadCounts {
  readonly #redis: RedisClient & WithStoreCommand;
  readonly #keys: RedisKeys;
  readonly #log: FastifyBaseLogger;
  /** Users whose counts a transaction changed, by its outermost transaction: forgotten when it commits. */
  readonly #pending = new WeakMap<object, Set<string>>();
  readonly #commits: EventSubscriber = {
    afterTransactionCommit: async (args: TransactionEventArgs) => {
      const users = args.transaction ? this.#pending.get(args.transaction) : undefined;
      if (!users) return;
      this.#pending.delete(args.transaction as object);
      await this.forget(users);
    },
  };

  constructor(deps: { redis: RedisClient; prefix: string; log: FastifyBaseLogger }) {
    if (!('trestaStoreUnreadCount' in deps.redis)) {
      deps.redis.defineCommand('trestaStoreUnreadCount', { numberOfKeys: 2, lua: STORE_SCRIPT });
    }
    this.#redis = deps.redis as RedisClient & WithStoreCommand;
    this.#keys = new RedisKeys(deps.prefix, deps.redis);
    this.#log = deps.log;
  }

  #keysOf(userId: string): [count: string, generation: string] {
    const group = `unread:${userId}`;
    return [this.#keys.inGroup(group, ':count'), this.#keys.inGroup(group, ':generation')];
  }

  /**
   * The user's unread count: from Redis when cached, else from Postgres (cached for the next read).
   * Redis being away costs the cache, never the answer.
   */
  async count(em: EntityManager, userId: string): Promise<number> {
    const [countKey, generationKey] = this.#keysOf(userId);
    const cached = await this.#redis.get(countKey).catch(() => undefined);
    if (typeof cached === 'string') return Number(cached);
    // Redis away: Postgres answers, and nothing is cached.
    if (cached === undefined) return countUnread(em, { userId });
    const token = randomUUID();
    const stamped = await this.#redis.set(generationKey, token, 'PX', GENERATION_TTL_MS).then(
      () => true,
      () => false,
    );
    const count = await countUnread(em, { userId });
    if (stamped) {
      await this.#redis.trestaStoreUnreadCount(countKey, generationKey, token, count, UNREAD_COUNT_TTL_MS).catch(() => 0);
    }
    return count;
  }

  /**
   * Drops the cached counts of these users: call it once the write that changed them has committed.
   * Never throws: the write stands, and a count Redis could not drop expires within UNREAD_COUNT_TTL_MS.
   */
  async forget(userIds: Iterable<string>): Promise<void> {
    const users = [...new Set(userIds)];
    // One DEL per user: on a cluster each user's keys are in a slot of their own.
    const results = await Promise.allSettled(users.map((userId) => this.#redis.del(...this.#keysOf(userId))));
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      this.#log.warn(
        { err: (failed[0] as PromiseRejectedResult).reason, users: failed.length, expiresWithinMs: UNREAD_COUNT_TTL_MS },
        'could not drop cached unread counts',
      );
    }
  }

  /**
   * Drops the cached counts of these users once what `em` wrote is committed: now when `em` is in no
   * transaction (its statements committed as they ran), else when its outermost transaction
   * commits (a rollback changed nothing, so nothing is dropped).
   */
  async forgetAfterCommit(em: EntityManager, userIds: Iterable<string>): Promise<void> {
    let transaction = em.getTransactionContext<Knex.Transaction>();
    if (!transaction) return this.forget(userIds);
    // A savepoint's changes commit with its outermost transaction, the only one MikroORM reports.
    while (transaction.parentTransaction) transaction = transaction.parentTransaction;
    // The plugin's ORM is watched from the start; a host's entity manager of another ORM from here on
    // (a savepoint of such an ORM reports to a manager not watched: its count expires with the TTL).
    this.watchCommits(em);
    const users = this.#pending.get(transaction) ?? new Set<string>();
    for (const userId of userIds) users.add(userId);
    this.#pending.set(transaction, users);
  }

  /**
   * Hears the commits of transactions run by `em`'s ORM. MikroORM copies an entity manager's
   * subscribers into each transaction it starts, so watching the ORM's root entity manager at start
   * covers every transaction begun after, savepoints included.
   */
  watchCommits(em: EntityManager): void {
    const events = em.getEventManager();
    if (!events.getSubscribers().has(this.#commits)) events.registerSubscriber(this.#commits);
  }
}
