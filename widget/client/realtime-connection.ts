import type { ApiClient } from './api.js';
import { backoffDelay } from './backoff.js';
import type { Transport, TransportHandlers, TransportName } from './transports/transport.js';
import { WebSocketTransport, type SocketFactory } from './transports/websocket-transport.js';
import type { RealtimeMessage, RealtimeOffer } from './types.js';

/** How the widget currently hears about changes; `offline` when stopped (idle, or disconnected from the page). */
/** The lazily loaded Ably transport module (its own chunk, with Ably's SDK). */
export type AblyModule = typeof import('./transports/ably-transport.js');

export type ConnectionStatus = 'offline' | 'connecting' | TransportName | 'polling';

/** Consecutive socket failures after which polling starts while the socket keeps retrying. */
const POLL_AFTER_FAILURES = 2;

export interface RealtimeConnectionOptions {
  api: ApiClient;
  createSocket: SocketFactory;
  /** Loads Ably's SDK on demand; without it Ably is never tried. */
  loadAbly?: () => Promise<AblyModule>;
  /** Refetch the list and the count: after every (re)connect, so nothing sent meanwhile is missed, and on every poll. */
  catchUp: () => Promise<void>;
  onMessage: (message: RealtimeMessage) => void;
  onStatus: (status: ConnectionStatus) => void;
  random?: () => number;
}

/**
 * Chooses and keeps one way of hearing about changes, in the order the server offers: Ably (only when
 * offered), else — or when Ably fails — the built-in WebSocket, reconnecting with jittered exponential
 * backoff; polling whenever neither is connected, until one is again.
 */
export class RealtimeConnection {
  status: ConnectionStatus = 'offline';
  private generation = 0;
  private running = false;
  private transport: Transport | null = null;
  private socketFailures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private offer: RealtimeOffer | null = null;

  constructor(private readonly options: RealtimeConnectionOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    this.setStatus('connecting');
    void this.begin(generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopPolling();
    this.transport?.close();
    this.transport = null;
    this.setStatus('offline');
  }

  private async begin(generation: number): Promise<void> {
    const offer = await this.fetchOffer(generation);
    if (!offer) return;
    this.offer = offer;
    if (offer.ably && offer.transports.includes('ably') && this.options.loadAbly) {
      try {
        const ably = await this.options.loadAbly();
        if (generation !== this.generation) return;
        this.connectAbly(ably, offer, generation);
        return;
      } catch {
        // The chunk did not load (offline, blocked): the socket needs nothing more.
      }
    }
    this.connectWebSocket(generation);
  }

  private async fetchOffer(generation: number): Promise<RealtimeOffer | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        const offer = await this.options.api.realtime();
        return generation === this.generation ? offer : null;
      } catch {
        if (generation !== this.generation) return null;
        await new Promise((resolve) => {
          this.retryTimer = setTimeout(resolve, backoffDelay(attempt, undefined, this.options.random));
        });
        if (generation !== this.generation) return null;
      }
    }
  }

  private connectAbly(ably: AblyModule, offer: RealtimeOffer, generation: number): void {
    const { api } = this.options;
    const tokenUrl = offer.ably!.tokenUrl;
    this.transport = new ably.AblyTransport(
      {
        channel: offer.ably!.channel,
        clientOptions: offer.ably!.clientOptions,
        tokenRequest: () => api.ablyTokenRequest(tokenUrl),
      },
      this.handlers(generation, {
        onReady: () => this.connected('ably'),
        onDown: ({ fatal }) => {
          if (!fatal) return this.startPolling();
          this.transport = null;
          this.connectWebSocket(generation);
        },
      }),
    );
  }

  private connectWebSocket(generation: number): void {
    if (generation !== this.generation || !this.offer) return;
    const url = this.options.api.resolve(this.offer.websocket.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.transport = new WebSocketTransport(
      url.href,
      () => this.options.api.token(),
      this.handlers(generation, {
        onReady: () => {
          this.socketFailures = 0;
          this.connected('websocket');
        },
        onDown: () => {
          this.transport = null;
          this.socketFailures++;
          if (this.socketFailures >= POLL_AFTER_FAILURES) this.startPolling();
          else this.setStatus('connecting');
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(
            () => this.connectWebSocket(generation),
            backoffDelay(this.socketFailures - 1, undefined, this.options.random),
          );
        },
      }),
      this.options.createSocket,
    );
  }

  /** Handlers that go quiet once this connection was stopped or restarted. */
  private handlers(generation: number, own: Pick<TransportHandlers, 'onReady' | 'onDown'>): TransportHandlers {
    const current = () => generation === this.generation;
    return {
      onReady: () => current() && own.onReady(),
      onDown: (reason) => current() && own.onDown(reason),
      onMessage: (message) => current() && this.options.onMessage(message),
    };
  }

  private connected(name: TransportName): void {
    this.stopPolling();
    this.setStatus(name);
    void this.options.catchUp().catch(() => {});
  }

  private startPolling(): void {
    this.setStatus('polling');
    if (this.pollTimer !== undefined || !this.offer) return;
    const generation = this.generation;
    this.pollTimer = setInterval(() => void this.poll(generation), this.offer.pollIntervalMs);
  }

  private async poll(generation: number): Promise<void> {
    try {
      await this.options.catchUp();
    } catch {
      return;
    }
    // The server answered, so the network is back: try the socket now rather than wait out the backoff.
    if (generation === this.generation && this.transport === null && this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.connectWebSocket(generation);
    }
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus(status);
  }
}
