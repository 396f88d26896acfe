// This module is a lazy chunk: it and the parts of Ably's modular SDK it imports (a Realtime client
// over WebSocket, with fetch for token requests) load only when the server offers Ably.
import type { ConnectionStateChange, TokenRequest } from 'ably';
import { BaseRealtime, FetchRequest, WebSocketTransport } from 'ably/modular';
import type { AblyBrowserOptions } from '../types.js';
import { parseRealtimeMessage, type Transport, type TransportHandlers } from './transport.js';

export interface AblyOffer {
  channel: string;
  clientOptions?: AblyBrowserOptions;
  /** Fetches a TokenRequest from the plugin's token route (with the user's bearer token). */
  tokenRequest: () => Promise<Record<string, unknown>>;
}

/**
 * A subscription to the user's Ably channel. Ably retries by itself and replays what was missed
 * after a short drop; after `suspended` (two minutes away) it does not, so every return to
 * `connected` is reported as ready and the owner refetches. Failing before the first connection,
 * or `failed` later, is fatal: the owner falls back to the built-in WebSocket.
 */
export class AblyTransport implements Transport {
  readonly name = 'ably';
  private everConnected = false;
  private closed = false;
  private readonly client: BaseRealtime;

  constructor(offer: AblyOffer, handlers: TransportHandlers) {
    this.client = new BaseRealtime({
      ...offer.clientOptions,
      useBinaryProtocol: false,
      plugins: { WebSocketTransport, FetchRequest },
      authCallback: (_params, callback) => {
        offer.tokenRequest().then(
          (tokenRequest) => callback(null, tokenRequest as unknown as TokenRequest),
          (error: unknown) => callback(error instanceof Error ? error.message : String(error), null),
        );
      },
    });
    this.client.connection.on((change: ConnectionStateChange) => {
      if (this.closed) return;
      if (change.current === 'connected') {
        this.everConnected = true;
        handlers.onReady();
      } else if (change.current === 'failed' || (change.current === 'disconnected' && !this.everConnected)) {
        this.close();
        handlers.onDown({ fatal: true });
      } else if (change.current === 'suspended') {
        handlers.onDown({ fatal: false });
      }
    });
    this.client.channels
      .get(offer.channel)
      .subscribe((message) => {
        const parsed = parseRealtimeMessage({ name: message.name, data: message.data });
        if (parsed) handlers.onMessage(parsed);
      })
      .catch(() => {
        // Attaching was refused (capability) or the connection failed first: either way, not via Ably.
        if (this.closed) return;
        this.close();
        handlers.onDown({ fatal: true });
      });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}
