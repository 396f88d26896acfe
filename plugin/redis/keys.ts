/**
 * Names the plugin's Redis keys. On a single Redis (or Sentinel) they read `<prefix>:<name>`. On a
 * cluster, a script or transaction may only touch keys of one hash slot, and Redis puts keys that
 * share a `{tag}` in one slot: each group of keys used together gets a tag of its own (a queue, the
 * email budget, one alert), so a group stays in one slot while different groups (and users) spread
 * over the masters. The keys of a single Redis are left as they were.
 */
// What Redis Cluster takes for a hash tag: the first `{…}` with something between the braces.
const HASH_TAG = /\{[^}]+\}/;

export class RedisKeys {
  readonly prefix: string;
  readonly cluster: boolean;

  /**
   * The keys under `prefix` on `redis`: tagged when `redis` is a cluster, unless the prefix carries
   * a hash tag of its own (`{tresta}`, the usual way to run BullMQ on a cluster by hand): then every
   * key stays in that one slot, named as before.
   */
  constructor(prefix: string, redis: { readonly isCluster: boolean }) {
    this.prefix = prefix;
    this.cluster = redis.isCluster && !HASH_TAG.test(prefix);
  }

  /** `<prefix>:<group><rest>`; on a cluster `<prefix>:{<group>}<rest>`: every key of the group in one slot. */
  inGroup(group: string, rest = ''): string {
    return this.cluster ? `${this.prefix}:{${group}}${rest}` : `${this.prefix}:${group}${rest}`;
  }

  /** `<prefix>:<name>`, in the slot of `group` on a cluster (a key a group's script touches, named on its own). */
  besideGroup(group: string, name: string): string {
    return this.cluster ? `${this.prefix}:{${group}}:${name}` : `${this.prefix}:${name}`;
  }

  /** The prefix BullMQ puts before a queue's keys: one slot per queue on a cluster (BullMQ's scripts need it). */
  queuePrefix(queue: string): string {
    return this.cluster ? `${this.prefix}:{${queue}}` : this.prefix;
  }
}
