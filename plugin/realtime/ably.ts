import * as Ably from 'ably';
import type { AblyBrowserOptions, RealtimeMessage } from '../contract/index.js';
import type { Publisher } from './messages.js';

/** Ably wildcards match whole `:` segments, so an id holding `:` or `*` could name others' channels. */
export function isChannelSafeUserId(userId: string): boolean {
  return userId.length > 0 && !/[:*]/.test(userId);
}

export const userChannel = (userId: string) => `notifications:${userId}`;

/** The message id Ably deduplicates on: a retried job re-publishing it shows no second toast. */
function messageId(message: RealtimeMessage): string | undefined {
  return message.name === 'new-notification' ? message.data.id : undefined;
}

/**
 * Client options that say where Ably is, never how to authenticate: a browser may be given these.
 * Every option of the contract's AblyBrowserOptions, and only those (`satisfies` holds the two together).
 */
const BROWSER_SAFE_OPTIONS = Object.keys({
  endpoint: true,
  environment: true,
  restHost: true,
  realtimeHost: true,
  port: true,
  tlsPort: true,
  tls: true,
} satisfies Record<keyof AblyBrowserOptions, true>);

export interface AblyAdapter {
  publisher: Publisher;
  /** The browser-safe part of `realtime.ablyClientOptions`, for the widget's own Ably client. */
  browserOptions: AblyBrowserOptions;
  /** A TokenRequest signed locally: this user, subscribe only, on their own channel. */
  createTokenRequest: (userId: string) => Promise<Ably.TokenRequest>;
}

export function createAblyAdapter(apiKey: string, clientOptions: Record<string, unknown>): AblyAdapter {
  // JSON rather than msgpack on the wire: what Ably's REST docs show, and what logs can read.
  const rest = new Ably.Rest({ key: apiKey, useBinaryProtocol: false, ...clientOptions });
  return {
    // The host's options are Ably's own ClientOptions, where these names hold the types the contract gives them.
    browserOptions: Object.fromEntries(
      BROWSER_SAFE_OPTIONS.filter((name) => name in clientOptions).map((name) => [name, clientOptions[name]]),
    ) as AblyBrowserOptions,
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
