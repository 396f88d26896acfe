import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import rateLimit from '@fastify/rate-limit';
import type { WebSocket } from 'ws';
import type { AuthenticatedUser } from '../auth/types.js';
import { RateLimitedError, WebSocketOriginError } from '../errors.js';
import { setLongTimeout, type LongTimeout } from '../time/long-timeout.js';
import type { RouteContext } from './context.js';
import { BatchedRateLimitStore } from './rate-limit-store.js';

export type WebSocketRouteOptions = Pick<
  RouteContext,
  'auth' | 'hub' | 'allowedOrigins' | 'maxPendingSocketsPerIp' | 'upgradesPerMinutePerIp' | 'redis' | 'redisPrefix'
>;

// Close codes in the private range (4000–4999), so the client can tell "sign in again" from a drop.
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_AUTH_TIMEOUT = 4408;
/** This user (or, before authentication, this address) holds as many sockets as it may. */
export const CLOSE_TOO_MANY_SOCKETS = 4429;
const AUTH_TIMEOUT_MS = 5_000;
const MAX_FRAME_BYTES = 4_096;
const HEARTBEAT_MS = 30_000;

type ClientFrame = { type: 'auth'; token: string };

function parseClientFrame(data: Buffer): ClientFrame | null {
  try {
    const frame = JSON.parse(data.toString('utf8')) as Partial<ClientFrame>;
    return frame.type === 'auth' && typeof frame.token === 'string' ? (frame as ClientFrame) : null;
  } catch {
    return null;
  }
}

/**
 * The built-in WebSocket at /api/notifications/ws. No token travels in the URL: the client sends
 * `{ type: 'auth', token }` as its first frame (and again to extend the session before the token
 * expires), or the host's own scheme authenticates the upgrade request. The socket is closed
 * when its credential expires, when it stops answering pings, or when a frame is too large.
 */
export async function websocketRoutes(app: FastifyInstance, options: WebSocketRouteOptions): Promise<void> {
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  }
  // The upgrade is a plain GET until the handler runs: the limit answers 429 before any socket exists.
  const store = new BatchedRateLimitStore(options.redis, options.redisPrefix, 'ratelimit:ws:ip');
  app.addHook('onClose', () => store.close());
  await app.register(rateLimit, {
    max: options.upgradesPerMinutePerIp,
    timeWindow: 60_000,
    store: store.forPlugin,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.ceil(context.ttl / 1000)),
  });
  const pendingByIp = new Map<string, number>();
  const countPending = (ip: string, delta: number) => {
    const count = (pendingByIp.get(ip) ?? 0) + delta;
    if (count > 0) pendingByIp.set(ip, count);
    else pendingByIp.delete(ip);
    return count;
  };

  const checkOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
      const refused = new WebSocketOriginError();
      await reply
        .status(refused.statusCode)
        .send({ statusCode: refused.statusCode, code: refused.code, error: 'Forbidden', message: refused.message });
    }
  };

  app.get('/ws', { websocket: true, preValidation: checkOrigin }, (socket: WebSocket, request: FastifyRequest) => {
    let user: AuthenticatedUser | null = null;
    let expiryTimer: LongTimeout | undefined;
    let alive = true;
    let pending = true;
    const settlePending = () => {
      if (pending) countPending(request.ip, -1);
      pending = false;
    };

    const close = (code: number, reason: string) => socket.close(code, reason);
    if (countPending(request.ip, 1) > options.maxPendingSocketsPerIp) {
      close(CLOSE_TOO_MANY_SOCKETS, 'too many unauthenticated sockets from this address');
    }
    const authTimer = setTimeout(() => close(CLOSE_AUTH_TIMEOUT, 'no credentials in time'), AUTH_TIMEOUT_MS);
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, HEARTBEAT_MS);
    socket.on('pong', () => {
      alive = true;
    });

    const admit = (next: AuthenticatedUser) => {
      if (user && user.userId !== next.userId) return close(CLOSE_UNAUTHORIZED, 'a socket belongs to one user');
      if (!user && !options.hub.add(next.userId, socket)) {
        // Closed while its credentials were checked (nothing to do), or the user is at the cap.
        return close(CLOSE_TOO_MANY_SOCKETS, 'too many sockets for this user');
      }
      settlePending();
      clearTimeout(authTimer);
      expiryTimer?.clear();
      if (next.expiresAt !== undefined) {
        expiryTimer = setLongTimeout(() => close(CLOSE_UNAUTHORIZED, 'credentials expired'), next.expiresAt);
      }
      user = next;
      socket.send(JSON.stringify({ type: 'ready', expiresAt: next.expiresAt ?? null }));
    };

    socket.on('message', async (data: Buffer) => {
      const frame = parseClientFrame(data);
      if (!frame || !options.auth.fromToken) return close(CLOSE_UNAUTHORIZED, 'expected { type: "auth", token }');
      try {
        admit(await options.auth.fromToken(frame.token));
      } catch {
        close(CLOSE_UNAUTHORIZED, 'invalid credentials');
      }
    });

    socket.on('close', () => {
      settlePending();
      clearTimeout(authTimer);
      expiryTimer?.clear();
      clearInterval(heartbeat);
      if (user) options.hub.remove(user.userId, socket);
    });

    // A host's own scheme (cookies, headers on the upgrade) authenticates without an auth frame.
    options.auth.fromRequest(request).then(
      (fromRequest) => fromRequest && socket.readyState === socket.OPEN && admit(fromRequest),
      () => {},
    );
  });
}
