import { parseRealtimeMessage, type Transport, type TransportHandlers } from './transport.js';

/** Re-authenticate this long before the token's authority ends, so the server never closes on us. */
const REFRESH_BEFORE_EXPIRY_MS = 10_000;
const MIN_REFRESH_DELAY_MS = 1_000;

/** The subset of the browser's WebSocket used here, so tests can pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

const OPEN = 1;

/**
 * One connection to the built-in WebSocket. The token goes in the first frame (never in the URL),
 * and a fresh one is sent before the previous expires; a provider that keeps handing out the same
 * token lets the server close with 4401, and the owner reconnects with whatever it gets next.
 */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  private readonly socket: SocketLike;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private expiresAt: number | null = null;
  private closedByUs = false;
  private ready = false;

  constructor(
    url: string,
    private readonly getToken: () => Promise<string | null>,
    private readonly handlers: TransportHandlers,
    createSocket: SocketFactory,
  ) {
    this.socket = createSocket(url);
    this.socket.onopen = () => void this.authenticate();
    this.socket.onmessage = (event) => this.receive(event.data);
    this.socket.onerror = () => {};
    this.socket.onclose = () => {
      clearTimeout(this.refreshTimer);
      if (this.closedByUs) return;
      // Any close, 4401 (token expired or refused) included, ends this socket; the next one asks the
      // token provider afresh, so a refused token is never sent twice.
      this.handlers.onDown({ fatal: true });
    };
  }

  close(): void {
    this.closedByUs = true;
    clearTimeout(this.refreshTimer);
    this.socket.close(1000, 'client closing');
  }

  private async authenticate(): Promise<void> {
    // Without a token the host's own scheme (a cookie on the upgrade) authenticates the socket.
    const token = await this.getToken().catch(() => null);
    if (token && this.socket.readyState === OPEN && !this.closedByUs) this.socket.send(JSON.stringify({ type: 'auth', token }));
  }

  private receive(raw: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(String(raw));
    } catch {
      return;
    }
    if ((frame as { type?: unknown }).type === 'ready') return this.onReadyFrame((frame as { expiresAt?: unknown }).expiresAt);
    const message = parseRealtimeMessage(frame);
    if (message) this.handlers.onMessage(message);
  }

  private onReadyFrame(expiresAt: unknown): void {
    const next = typeof expiresAt === 'number' ? expiresAt : null;
    // A token that did not extend the session would have us re-send it in a loop: wait for the close.
    const extended = next !== null && (this.expiresAt === null || next > this.expiresAt);
    this.expiresAt = next;
    if (extended) {
      clearTimeout(this.refreshTimer);
      const delay = Math.max(MIN_REFRESH_DELAY_MS, next - Date.now() - REFRESH_BEFORE_EXPIRY_MS);
      this.refreshTimer = setTimeout(() => void this.authenticate(), delay);
    }
    if (!this.ready) {
      this.ready = true;
      this.handlers.onReady();
    }
  }
}
