import type { Redis } from 'ioredis';
import type { Alert, SendAlert } from './slack.js';

/**
 * Raises each incident once, however many processes notice it: the first to `SET NX` the
 * incident's key sends, the others stay quiet until the key expires. When Redis itself is the
 * incident, each process falls back to remembering what it sent. Sending happens in the
 * background: raising an alert never waits on Slack.
 */
export class Alerter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #send: SendAlert | null;
  readonly #sentLocally = new Map<string, number>();

  constructor(redis: Redis, prefix: string, send: SendAlert | null) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#send = send;
  }

  async raise(incident: string, alert: Alert, cooldownSeconds: number): Promise<boolean> {
    if (!this.#send) return false;
    const first = await this.#claim(incident, cooldownSeconds);
    if (first) void this.#send(alert);
    return first;
  }

  /** The incident is over: the next one of its kind is announced again. */
  async clear(incident: string): Promise<void> {
    this.#sentLocally.delete(incident);
    await this.#redis.del(`${this.#prefix}:alerts:${incident}`).catch(() => undefined);
  }

  async #claim(incident: string, cooldownSeconds: number): Promise<boolean> {
    try {
      return (await this.#redis.set(`${this.#prefix}:alerts:${incident}`, '1', 'EX', cooldownSeconds, 'NX')) === 'OK';
    } catch {
      const until = this.#sentLocally.get(incident) ?? 0;
      if (until > Date.now()) return false;
      this.#sentLocally.set(incident, Date.now() + cooldownSeconds * 1000);
      return true;
    }
  }
}
