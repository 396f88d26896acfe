import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';

/*
  reservePush — claims one push (a notification to one subscription) and counts it against its
  user's hourly cap, atomically: a pair is claimed once, so it is pushed at most once.
  Input:  KEYS[1] the pair's claim, <prefix>:push:<userId>:claim:<notificationId>:<subscriptionId>
          KEYS[2] the user's hourly counter, <prefix>:push:<userId>:hour
          ARGV[1] the per-user hourly cap; ARGV[2] '1' for a critical push (counted, never capped);
          ARGV[3] the claim's lifetime in seconds
  Output: { 1, 0 } claimed; { 0, 0 } claimed before (sent, or being sent); { -1, ttl } the cap is
          reached, for ttl more seconds (nothing claimed, nothing counted)
*/
const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, 0 }
end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[2] ~= '1' and count >= tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[2])
  return { -1, ttl > 0 and ttl or 3600 }
end
if redis.call('INCR', KEYS[2]) == 1 then
  redis.call('EXPIRE', KEYS[2], 3600)
end
redis.call('SET', KEYS[1], 'sending', 'EX', tonumber(ARGV[3]))
return { 1, 0 }`;

/*
  releasePush — gives a claim back after an attempt the push service asked us to repeat (429,
  5xx), uncounting it, so the retry claims and counts it once again.
  Input:  KEYS[1] the pair's claim; KEYS[2] the user's hourly counter
  Output: 1 released; 0 there was no claim in flight
*/
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= 'sending' then
  return 0
end
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
return 1`;

interface WithPushCommands {
  trestaReservePush(claim: string, counter: string, cap: number, critical: string, seconds: number): Promise<[number, number]>;
  trestaReleasePush(claim: string, counter: string): Promise<number>;
}

/**
 * A claim outlives every way the same pair could be pushed again: the delivery job's retries and
 * its re-runs after a crash, a dead letter requeued days later.
 */
const CLAIM_SECONDS = 8 * 86_400;

export type PushReservation =
  { outcome: 'claimed' } | { outcome: 'already-claimed' } | { outcome: 'capped'; retryAfterSeconds: number };

/**
 * The Redis side of a push: its claim (never two pushes of one notification to one browser, even
 * if its job runs twice) and the user's hourly cap. A claim is kept after a success or a permanent
 * failure, given back after a retryable one; a process that dies between claiming and sending
 * loses that one push rather than risking a second.
 */
export class PushClaims {
  readonly #redis: RedisClient & WithPushCommands;
  readonly #keys: RedisKeys;
  readonly #cap: number;

  constructor(redis: RedisClient, prefix: string, perUserHourlyLimit: number) {
    if (!('trestaReservePush' in redis)) {
      redis.defineCommand('trestaReservePush', { numberOfKeys: 2, lua: RESERVE });
      redis.defineCommand('trestaReleasePush', { numberOfKeys: 2, lua: RELEASE });
    }
    this.#redis = redis as RedisClient & WithPushCommands;
    // Both keys of a call in one slot on a cluster: one group per user.
    this.#keys = new RedisKeys(prefix, redis);
    this.#cap = perUserHourlyLimit;
  }

  #pairKeys(userId: string, notificationId: string, subscriptionId: string): [string, string] {
    const group = `push:${userId}`;
    return [this.#keys.inGroup(group, `:claim:${notificationId}:${subscriptionId}`), this.#keys.inGroup(group, ':hour')];
  }

  async reserve(pair: {
    userId: string;
    notificationId: string;
    subscriptionId: string;
    critical: boolean;
  }): Promise<PushReservation> {
    const [claim, counter] = this.#pairKeys(pair.userId, pair.notificationId, pair.subscriptionId);
    const [code, ttl] = await this.#redis.trestaReservePush(claim, counter, this.#cap, pair.critical ? '1' : '0', CLAIM_SECONDS);
    if (code === 1) return { outcome: 'claimed' };
    if (code === 0) return { outcome: 'already-claimed' };
    return { outcome: 'capped', retryAfterSeconds: ttl };
  }

  /** The push was accepted by the push service: the claim stays, marked so. */
  async sent(pair: { userId: string; notificationId: string; subscriptionId: string }): Promise<void> {
    const [claim] = this.#pairKeys(pair.userId, pair.notificationId, pair.subscriptionId);
    await this.#redis.set(claim, 'sent', 'EX', CLAIM_SECONDS);
  }

  async release(pair: { userId: string; notificationId: string; subscriptionId: string }): Promise<void> {
    const [claim, counter] = this.#pairKeys(pair.userId, pair.notificationId, pair.subscriptionId);
    await this.#redis.trestaReleasePush(claim, counter);
  }
}
