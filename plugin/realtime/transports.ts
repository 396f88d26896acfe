import type { RedisClient } from '../redis/connect.js';
import { combinePublishers, createAblyAdapter, type AblyAdapter } from './ably.js';
import type { Publisher } from './messages.js';
import { createRedisFanoutPublisher } from './redis-fanout.js';
import type { RealtimeSettings } from './settings.js';

export interface RealtimeTransports {
  /** Publishes on every active transport: the built-in WebSocket's fan-out, plus Ably when on. */
  publisher: Publisher;
  /**
   * The same transports apart, for the outbox relay, which publishes new notifications on each
   * separately: an Ably failure must not hold up or fail the WebSocket's fan-out.
   */
  separate: { fanout: Publisher; ably: Publisher | null };
  /** Present whenever an Ably key is set (the token route works then). */
  ably: AblyAdapter | null;
  /** Ably publishing is on (a key, and ENABLE_REAL_NOTIFICATIONS not false). */
  ablyPublishing: boolean;
}

export function createRealtimeTransports(redis: RedisClient, prefix: string, realtime: RealtimeSettings): RealtimeTransports {
  const fanout = createRedisFanoutPublisher(redis, prefix);
  const ably = realtime.ablyApiKey ? createAblyAdapter(realtime.ablyApiKey, realtime.ablyClientOptions) : null;
  const ablyPublishing = ably !== null && realtime.enabled;
  return {
    publisher: ablyPublishing ? combinePublishers([fanout, ably.publisher]) : fanout,
    separate: { fanout, ably: ablyPublishing ? ably.publisher : null },
    ably,
    ablyPublishing,
  };
}
