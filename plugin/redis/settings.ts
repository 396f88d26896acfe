import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** The resolved `redis` option: where the plugin's Redis is, and the first segment of every key and queue. */
export type RedisSettings = (
  | { kind: 'url'; url: string }
  | { kind: 'connection'; connection: Redis | Cluster }
  | { kind: 'cluster'; nodes: string[]; options: ClusterOptions }
  | { kind: 'sentinel'; options: RedisOptions }
) & { prefix: string };
