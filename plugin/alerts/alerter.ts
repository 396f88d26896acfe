import type { RedisClient } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import type { Alert, SendAlert } from './slack.js';

/*
  claimIncident — the first to claim an incident announces it; a failure seen by a check that
  began before the incident was declared over is that incident's tail, not a new one.
  Input:  KEYS[1] the incident's key; KEYS[2] when it was last declared over (ms);
          ARGV[1] cooldown in seconds; ARGV[2] when the failing check began (ms), or '' if unknown.
  Output: 1 claimed (announce it); 0 already announced, or already over.
*/
const CLAIM_INCIDENT = `
local ended = redis.call('GET', KEYS[2])
if ARGV[2] ~= '' and ended and tonumber(ended) >= tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1]), 'NX') then return 1 end
return 0`;

/** How long "declared over" is remembered: longer than any check takes. */
const ENDED_MEMORY_SECONDS = 3_600;

interface WithClaimIncident {
  trestaClaimIncident(key: string, endedKey: string, cooldownSeconds: number, since: string): Promise<number>;
}

/**
 * Raises each incident once, however many processes notice it: the first to claim the incident's
 * key (SET NX, in claimIncident) sends, the others stay quiet until the key expires. When Redis itself is the
 * incident, each process falls back to remembering what it sent. Sending happens in the
 * background: raising an alert never waits on Slack.
 */
export class Alerter {
  readonly #redis: RedisClient & WithClaimIncident;
  readonly #keys: RedisKeys;
  readonly #send: SendAlert | null;
  readonly #sentLocally = new Map<string, number>();

  constructor(redis: RedisClient, prefix: string, send: SendAlert | null) {
    if (!('trestaClaimIncident' in redis)) redis.defineCommand('trestaClaimIncident', { numberOfKeys: 2, lua: CLAIM_INCIDENT });
    this.#redis = redis as RedisClient & WithClaimIncident;
    // An incident's two keys go to claimIncident together: one group, one slot on a cluster.
    this.#keys = new RedisKeys(prefix, redis);
    this.#send = send;
  }

  /**
   * Announces the incident unless another process already did. `seenSince`: when the check that
   * saw the failure began; a process that notices an outage only after another one declared it
   * over (its check hung through the recovery) stays quiet instead of announcing it again.
   */
  async raise(incident: string, alert: Alert, cooldownSeconds: number, seenSince?: number): Promise<boolean> {
    if (!this.#send) return false;
    const first = await this.#claim(incident, cooldownSeconds, seenSince);
    if (first) void this.#send(alert);
    return first;
  }

  /** The incident is over: the next one of its kind is announced again. */
  async clear(incident: string): Promise<void> {
    this.#sentLocally.delete(incident);
    await this.#redis
      .multi()
      .del(this.#key(incident))
      .set(this.#endedKey(incident), String(Date.now()), 'EX', ENDED_MEMORY_SECONDS)
      .exec()
      .catch(() => undefined);
  }

  #key(incident: string): string {
    return this.#keys.inGroup(`alerts:${incident}`);
  }

  #endedKey(incident: string): string {
    return this.#keys.inGroup(`alerts:${incident}`, ':ended');
  }

  async #claim(incident: string, cooldownSeconds: number, seenSince?: number): Promise<boolean> {
    try {
      const claimed = await this.#redis.trestaClaimIncident(
        this.#key(incident),
        this.#endedKey(incident),
        cooldownSeconds,
        seenSince === undefined ? '' : String(seenSince),
      );
      return claimed === 1;
    } catch {
      const until = this.#sentLocally.get(incident) ?? 0;
      if (until > Date.now()) return false;
      this.#sentLocally.set(incident, Date.now() + cooldownSeconds * 1000);
      return true;
    }
  }
}
