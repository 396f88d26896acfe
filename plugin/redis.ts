import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { ResolvedOptions } from './options.js';

export interface RedisHandle {
  redis: Redis;
  close: () => Promise<void>;
}

// How long start-up waits for Redis. Redis being down must not stop the API from starting
// (reads come from Postgres, notify() commits through the outbox), so this only bounds the wait.
const CONNECT_WAIT_MS = 2_000;

/**
 * The plugin's Redis connection for request-time work. It fails fast instead of queueing
 * commands while Redis is away, so a route answers (or degrades) rather than hangs. Commands
 * issued in the same tick (the workers' real-time publishes) share one write: auto-pipelining.
 */
export async function connectRedis(options: ResolvedOptions['redis']): Promise<RedisHandle> {
  if (options.kind === 'connection') return { redis: options.connection, close: async () => {} };
  const redis = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  // Connection errors are reported by readiness checks; without a listener ioredis would log each retry.
  redis.on('error', () => {});
  await Promise.race([
    once(redis, 'ready').catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref()),
  ]);
  return {
    redis,
    close: async () => {
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    },
  };
}
