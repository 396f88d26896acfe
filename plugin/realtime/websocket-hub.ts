import type { RedisClient } from '../redis/connect.js';
import type { WebSocket } from 'ws';
import { decodeFanout, fanoutChannel } from './redis-fanout.js';

/** Close code asking a client to reconnect and catch up (the standard "service restart"). */
export const CLOSE_RECONNECT = 1012;

/** What one user, or one slow reader, may hold of an instance. */
export interface HubLimits {
  /** Sockets one user may keep open on this instance; one more is refused. */
  maxSocketsPerUser: number;
  /**
   * Bytes waiting to be written to one socket before it is dropped: a reader that stops reading
   * would otherwise hold every frame sent to it in this process's memory. The client reconnects
   * and refetches, which brings back what it missed.
   */
  maxBufferedBytes: number;
}

/**
 * This instance's WebSocket clients, by user, fed by the Redis fan-out channel. It owns one
 * subscriber connection (a subscribed ioredis connection can do nothing else).
 *
 * Pub/sub is at most once: what is published while the subscriber is cut off (a Redis restart, a
 * network blip) never reaches this instance. So when the subscriber comes back, every client is
 * asked to reconnect (close 1012); a client refetches its list and count after a reconnect (the
 * widget does), which brings back whatever the gap swallowed from Postgres.
 */
export class WebSocketHub {
  readonly #sockets = new Map<string, Set<WebSocket>>();
  readonly #subscriber: RedisClient;
  readonly #channel: string;
  readonly #limits: HubLimits;

  private constructor(subscriber: RedisClient, channel: string, limits: HubLimits) {
    this.#subscriber = subscriber;
    this.#channel = channel;
    this.#limits = limits;
  }

  /**
   * `subscriber`: a connection of the hub's own, one that queues commands while reconnecting (it
   * resubscribes by itself afterwards). On a cluster this is classic pub/sub: a PUBLISH on any
   * master reaches the subscribers of every node.
   */
  static async start(redis: RedisClient, prefix: string, subscriber: RedisClient, limits: HubLimits): Promise<WebSocketHub> {
    const hub = new WebSocketHub(subscriber, fanoutChannel(prefix), limits);
    // Buffers, not strings: the frame goes out as the bytes that came in, never decoded here.
    const channel = Buffer.from(hub.#channel);
    subscriber.on('messageBuffer', (from: Buffer, payload: Buffer) => {
      if (channel.equals(from)) hub.#deliver(payload);
    });
    let interrupted = false;
    let wasReady = false;
    subscriber.on('close', () => {
      interrupted = wasReady;
    });
    // ioredis subscribes again before 'ready': from here on messages arrive; the gap is behind us.
    subscriber.on('ready', () => {
      wasReady = true;
      if (!interrupted) return;
      interrupted = false;
      hub.#askEveryoneToCatchUp();
    });
    // Redis may be away at start-up: the subscription then happens when it comes back.
    const subscribed = subscriber.subscribe(hub.#channel).catch(() => undefined);
    if (redis.status === 'ready') await subscribed;
    return hub;
  }

  get connectionCount(): number {
    let count = 0;
    for (const sockets of this.#sockets.values()) count += sockets.size;
    return count;
  }

  /**
   * Takes an open socket into the user's set; false (and nothing kept) when it already closed —
   * a socket can close while its credentials are being verified — or when the user has their cap.
   */
  add(userId: string, socket: WebSocket): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    let sockets = this.#sockets.get(userId);
    if (sockets && sockets.size >= this.#limits.maxSocketsPerUser) return false;
    if (!sockets) this.#sockets.set(userId, (sockets = new Set()));
    sockets.add(socket);
    return true;
  }

  remove(userId: string, socket: WebSocket): void {
    const sockets = this.#sockets.get(userId);
    if (!sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) this.#sockets.delete(userId);
  }

  /**
   * Closes every client socket and the subscriber connection. The close code is "service restart":
   * a client reconnects at once, and a load balancer sends it to an instance still running.
   */
  async close(): Promise<void> {
    for (const sockets of this.#sockets.values()) {
      for (const socket of sockets) socket.close(CLOSE_RECONNECT, 'server shutting down: reconnect');
    }
    this.#sockets.clear();
    this.#subscriber.disconnect();
  }

  #askEveryoneToCatchUp(): void {
    for (const sockets of this.#sockets.values()) {
      for (const socket of sockets) socket.close(CLOSE_RECONNECT, 'real-time feed interrupted: reconnect and refetch');
    }
  }

  #deliver(payload: Buffer): void {
    const fanout = decodeFanout(payload);
    if (!fanout) return;
    const sockets = this.#sockets.get(fanout.userId);
    if (!sockets) return;
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      // A close frame would wait behind the same full buffer: the connection is cut instead.
      if (socket.bufferedAmount > this.#limits.maxBufferedBytes) socket.terminate();
      // The same bytes for every socket, sent as a text frame: what the client reads is the JSON.
      else socket.send(fanout.frame, { binary: false });
    }
  }
}
