import type { RedisClient } from '../redis/connect.js';
import type { RealtimeMessage } from '../contract/index.js';
import type { Publisher } from './messages.js';

/** What travels on the Redis channel: the user it is for and the message itself. */
export interface FanoutEnvelope {
  userId: string;
  message: RealtimeMessage;
}

export const fanoutChannel = (prefix: string) => `${prefix}:realtime:fanout`;

/**
 * Publishes to every API instance at once through Redis pub/sub; each instance's WebSocket hub
 * forwards the message to its own sockets of that user. A worker in another process (or on
 * another machine) reaches a client connected anywhere.
 */
export function createRedisFanoutPublisher(redis: RedisClient, prefix: string): Publisher {
  const channel = fanoutChannel(prefix);
  return {
    publish: async (userId, message) => {
      const envelope: FanoutEnvelope = { userId, message };
      await redis.publish(channel, JSON.stringify(envelope));
    },
  };
}
