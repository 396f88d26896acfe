import { once } from 'node:events';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from './settings.js';

/** A single Redis (direct or found through Sentinel) or a Redis Cluster: the plugin runs on each. */
export type RedisClient = Redis | Cluster;

/** Connection settings for one role (requests, a subscriber, BullMQ's blocking workers). */
export interface RedisRole {
  enableOfflineQueue: boolean;
  maxRetriesPerRequest: number | null;
  enableAutoPipelining?: boolean;
}

export interface RedisHandle {
  redis: RedisClient;
  /** Opens another connection to the same Redis for a role of its own; its owner closes it. */
  open: (role: RedisRole) => RedisClient;
  close: () => Promise<void>;
}

// How long start-up waits for Redis. Redis being down must not stop the API from starting
// (reads come from Postgres, notify() commits through the outbox), so this only bounds the wait.
const CONNECT_WAIT_MS = 2_000;

/** Fails fast instead of queueing commands while Redis is away, so a route answers (or degrades) rather than hangs. */
const REQUESTS: RedisRole = { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true };

function openCluster(nodes: string[], options: ClusterOptions, role: RedisRole): Cluster {
  const { enableOfflineQueue, maxRetriesPerRequest } = role;
  // Every node is reached like the first one given: TLS for rediss://, the same credentials.
  const first = new URL(nodes[0] as string);
  const fromUrl: RedisOptions = {
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
  };
  return new Cluster(
    nodes.map((node) => {
      const url = new URL(node);
      return { host: url.hostname, port: Number(url.port || 6379) };
    }),
    {
      ...options,
      enableOfflineQueue,
      // ioredis's cluster auto-pipelining picks a command's slot from its first argument, which for
      // EVALSHA is the script's hash, not a key: a pipeline of the quota script then errors, and
      // ioredis throws from a callback (an uncaught exception, seen here). Commands go one by one.
      enableAutoPipelining: false,
      redisOptions: { ...fromUrl, ...options.redisOptions, maxRetriesPerRequest },
    },
  );
}

/** A new connection for `role` to the Redis the options name. */
export function openRedis(options: RedisSettings, role: RedisRole): RedisClient {
  const connection = ((): RedisClient => {
    switch (options.kind) {
      case 'url':
        return new Redis(options.url, role);
      case 'sentinel':
        return new Redis({ ...options.options, ...role });
      case 'cluster':
        return openCluster(options.nodes, options.options, role);
      case 'connection': {
        const host = options.connection;
        if (host instanceof Cluster || host.isCluster) {
          const cluster = host as Cluster;
          const { enableOfflineQueue, maxRetriesPerRequest } = role;
          return cluster.duplicate(undefined, {
            enableOfflineQueue,
            redisOptions: { ...cluster.options.redisOptions, maxRetriesPerRequest },
          });
        }
        return (host as Redis).duplicate(role);
      }
    }
  })();
  // Connection errors are reported by readiness checks; without a listener ioredis would log each retry.
  connection.on('error', () => {});
  return connection;
}

async function readyOrTimeout(redis: RedisClient): Promise<void> {
  await Promise.race([
    once(redis, 'ready').catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref()),
  ]);
}

/**
 * The plugin's Redis connection for request-time work, and a way to open more of the same kind.
 * Commands issued in the same tick (the workers' real-time publishes) share one write:
 * auto-pipelining. A connection the host passed in serves as is and stays open on close.
 */
export async function connectRedis(options: RedisSettings): Promise<RedisHandle> {
  const open = (role: RedisRole) => openRedis(options, role);
  if (options.kind === 'connection') return { redis: options.connection, open, close: async () => {} };
  const redis = open(REQUESTS);
  await readyOrTimeout(redis);
  return {
    redis,
    open,
    close: async () => {
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
