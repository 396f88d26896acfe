import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.js';
import type { AuthenticatedUser } from '../options.js';
import type { WebSocketHub } from '../realtime/websocket-hub.js';

export interface WebSocketRouteOptions {
  auth: Authenticator;
  hub: WebSocketHub;
  allowedOrigins: string[];
  heartbeatMs?: number;
}

// Close codes in the private range (4000–4999), so the client can tell "sign in again" from a drop.
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_AUTH_TIMEOUT = 4408;
const AUTH_TIMEOUT_MS = 5_000;
const MAX_FRAME_BYTES = 4_096;
const DEFAULT_HEARTBEAT_MS = 30_000;

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
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  const checkOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
      await reply
        .status(403)
        .send({ statusCode: 403, code: 'TRESTA_ERR_WS_ORIGIN', error: 'Forbidden', message: 'This origin may not connect' });
    }
  };

  app.get('/ws', { websocket: true, preValidation: checkOrigin }, (socket: WebSocket, request: FastifyRequest) => {
    let user: AuthenticatedUser | null = null;
    let expiryTimer: NodeJS.Timeout | undefined;
    let alive = true;

    const close = (code: number, reason: string) => socket.close(code, reason);
    const authTimer = setTimeout(() => close(CLOSE_AUTH_TIMEOUT, 'no credentials in time'), AUTH_TIMEOUT_MS);
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);
    socket.on('pong', () => {
      alive = true;
    });

    const admit = (next: AuthenticatedUser) => {
      if (user && user.userId !== next.userId) return close(CLOSE_UNAUTHORIZED, 'a socket belongs to one user');
      clearTimeout(authTimer);
      clearTimeout(expiryTimer);
      if (next.expiresAt !== undefined) {
        expiryTimer = setTimeout(
          () => close(CLOSE_UNAUTHORIZED, 'credentials expired'),
          Math.max(0, next.expiresAt - Date.now()),
        );
      }
      if (!user) options.hub.add(next.userId, socket);
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
      clearTimeout(authTimer);
      clearTimeout(expiryTimer);
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
