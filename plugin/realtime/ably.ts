import * as Ably from 'ably';
import type { Publisher, RealtimeMessage } from './messages.js';

/** Ably wildcards match whole `:` segments, so an id holding `:` or `*` could name others' channels. */
export function isChannelSafeUserId(userId: string): boolean {
  return userId.length > 0 && !/[:*]/.test(userId);
}

export const userChannel = (userId: string) => `notifications:${userId}`;

/** The message id Ably deduplicates on: a retried job re-publishing it shows no second toast. */
function messageId(message: RealtimeMessage): string | undefined {
  return message.name === 'new-notification' ? message.data.id : undefined;
}

export interface AblyAdapter {
  publisher: Publisher;
  /** A TokenRequest signed locally: this user, subscribe only, on their own channel. */
  createTokenRequest: (userId: string) => Promise<Ably.TokenRequest>;
}

export function createAblyAdapter(apiKey: string, clientOptions: Record<string, unknown>): AblyAdapter {
  // JSON rather than msgpack on the wire: what Ably's REST docs show, and what logs can read.
  const rest = new Ably.Rest({ key: apiKey, useBinaryProtocol: false, ...clientOptions });
  return {
    publisher: {
      publish: async (userId, message) => {
        if (!isChannelSafeUserId(userId)) throw new Error('user id cannot name an Ably channel');
        await rest.channels.get(userChannel(userId)).publish({ name: message.name, data: message.data, id: messageId(message) });
      },
    },
    createTokenRequest: (userId) =>
      rest.auth.createTokenRequest({ clientId: userId, capability: { [userChannel(userId)]: ['subscribe'] } }),
  };
}

/** Every transport at once: the built-in WebSocket's fan-out and, when configured, Ably. */
export function combinePublishers(publishers: Publisher[]): Publisher {
  return {
    publish: async (userId, message) => {
      await Promise.all(publishers.map((publisher) => publisher.publish(userId, message)));
    },
  };
}
