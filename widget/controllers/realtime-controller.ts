import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ConnectionStatus, RealtimeConnection } from '../client/realtime-connection.js';
import type { IdleWatcher } from './idle-watcher.js';
import type { NotificationsController } from './notifications-controller.js';

export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Other tabs hear of this tab's activity at most this often; the idle timeout is far longer. */
const SHARE_ACTIVITY_EVERY_MS = 60_000;

export interface RealtimeHost extends ReactiveControllerHost {
  idleTimeoutMs: number;
}

/**
 * The transport controller: while its element is connected, the tab that leads this browser's tabs
 * holds one real-time connection (Ably → WebSocket → polling) and relays it to the others. After 30
 * minutes without activity in any tab the connection is dropped; the next activity reopens it, and
 * the reconnect's catch-up brings what was missed.
 */
export class RealtimeController implements ReactiveController {
  status: ConnectionStatus = 'offline';
  private connection: RealtimeConnection | undefined;
  private idle: IdleWatcher | undefined;
  private leading = false;
  /** Counts connects and disconnects: a lazy load that finishes after a disconnect does nothing. */
  private generation = 0;
  private lastShared = 0;

  constructor(
    private readonly host: RealtimeHost,
    private readonly notifications: NotificationsController,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    const generation = ++this.generation;
    // Once the model is loaded (after the first update, with credentials). The connection's code is a lazy chunk.
    void this.notifications.ready
      .then(() => import('./realtime-stack.js'))
      .then(({ RealtimeConnection, IdleWatcher, keepPushSubscription }) => {
        if (generation !== this.generation) return;
        const { tabs } = this.notifications;
        this.idle = new IdleWatcher(
          () => this.host.idleTimeoutMs,
          () => this.connection?.stop(),
          (local) => this.onActivity(local),
        );
        this.idle.start();
        const connection = this.createConnection(RealtimeConnection);
        tabs.lead(() => {
          this.leading = true;
          keepPushSubscription(this.notifications.client.api);
          if (connection === this.connection) connection.start();
        });
      });
  }

  private createConnection(Connection: typeof RealtimeConnection): RealtimeConnection {
    const { client } = this.notifications;
    this.connection = new Connection({
      api: client.api,
      createSocket: (url) => new WebSocket(url),
      // Ably's SDK is a chunk of its own, loaded only when the server offers Ably.
      loadAbly: () => import('../client/transports/ably-transport.js'),
      catchUp: () => this.notifications.catchUp(),
      onMessage: (message) => this.notifications.receive(message),
      onStatus: (status) => {
        this.status = status;
        this.host.requestUpdate();
      },
    });
    return this.connection;
  }

  hostDisconnected(): void {
    this.generation++;
    this.idle?.stop();
    this.idle = undefined;
    this.connection?.stop();
    this.connection = undefined;
    this.leading = false;
  }

  /** Activity in another tab keeps this one (if it leads) connected. */
  remoteActivity(): void {
    this.idle?.touch();
  }

  private onActivity(local: boolean): void {
    if (this.leading && this.connection?.status === 'offline') this.connection.start();
    const now = Date.now();
    if (local && now - this.lastShared >= SHARE_ACTIVITY_EVERY_MS) {
      this.lastShared = now;
      this.notifications.reportActivity();
    }
  }
}
