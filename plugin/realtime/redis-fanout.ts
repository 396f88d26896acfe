import type { RedisClient } from '../redis/connect.js';
import type { RealtimeMessage } from '../contract/index.js';
import type { Publisher } from './messages.js';

export const fanoutChannel = (prefix: string) => `${prefix}:realtime:fanout`;

/**
 * What travels on the Redis channel: `<byte length of the user id>:<user id><frame>`, where the
 * frame is the exact text every socket of that user receives (the message as JSON). The hub reads
 * the user id from the head and hands the rest, untouched, to each socket: no parse and no
 * serialization per message on the API instances, whatever their number of clients.
 */
export function encodeFanout(userId: string, message: RealtimeMessage): string {
  return `${Buffer.byteLength(userId)}:${userId}${JSON.stringify(message)}`;
}

/**
 * The user id and the frame's bytes of one payload (the frame shares the payload's memory); null
 * for a payload that is neither this form nor the JSON envelope `{ userId, message }` a publisher
 * of the previous release sends, which a rolling deploy can still have running for a while.
 */
export function decodeFanout(payload: Buffer): { userId: string; frame: Buffer } | null {
  if (payload[0] === 0x7b) return decodeEnvelope(payload);
  const colon = payload.indexOf(0x3a);
  if (colon < 1 || colon > 10) return null;
  const length = Number(payload.toString('latin1', 0, colon));
  const start = colon + 1;
  if (!Number.isSafeInteger(length) || start + length > payload.length) return null;
  return { userId: payload.toString('utf8', start, start + length), frame: payload.subarray(start + length) };
}

function decodeEnvelope(payload: Buffer): { userId: string; frame: Buffer } | null {
  try {
    const { userId, message } = JSON.parse(payload.toString('utf8')) as { userId?: unknown; message?: unknown };
    return typeof userId === 'string' ? { userId, frame: Buffer.from(JSON.stringify(message)) } : null;
  } catch {
    return null;
  }
}

/**
 * Publishes to every API instance at once through Redis pub/sub; each instance's WebSocket hub
 * forwards the frame to its own sockets of that user. A worker in another process (or on
 * another machine) reaches a client connected anywhere.
 */
export function createRedisFanoutPublisher(redis: RedisClient, prefix: string): Publisher {
  const channel = fanoutChannel(prefix);
  return {
    publish: async (userId, message) => {
      await redis.publish(channel, encodeFanout(userId, message));
    },
  };
}
