import { Redis } from 'ioredis';
import type { ResolvedOptions } from './options.js';

export interface RedisHandle {
  redis: Redis;
  close: () => Promise<void>;
}

/**
 * The plugin's Redis connection for request-time work. It fails fast instead of queueing
 * commands while Redis is away, so a route answers (or degrades) rather than hangs.
 */
export function connectRedis(options: ResolvedOptions['redis']): RedisHandle {
  if (options.kind === 'connection') return { redis: options.connection, close: async () => {} };
  const redis = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // Connection errors are reported by readiness checks; without a listener ioredis would log each retry.
  redis.on('error', () => {});
  return {
    redis,
    close: async () => {
      redis.disconnect();
    },
  };
}
