import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { TrestaNotificationsOptions } from '../../plugin/index.js';
import { fanoutChannel } from '../../plugin/realtime/redis-fanout.js';
import { CLOSE_TOO_MANY_SOCKETS } from '../../plugin/routes/websocket.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, ISSUER } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated, connectClient } from '../helpers/ws-client.js';

async function listening(t: Test, overrides: Partial<TrestaNotificationsOptions> = {}) {
  const built = await buildTestApp(t, overrides);
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...built, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

const connections = (app: { notifications: { realtimeConnections: number } }) => async () =>
  app.notifications.realtimeConnections;

t.test('a socket that closes while its credentials are being verified is never taken into the hub', async (t) => {
  const JWKS_URL = 'https://clerk.tresta.test/.well-known/jwks.json';
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let jwksRequested = false;
  let jwks: unknown;
  const server = setupServer(
    http.get(JWKS_URL, async () => {
      jwksRequested = true;
      await released;
      return HttpResponse.json(jwks as Record<string, unknown>);
    }),
  );
  server.listen({ onUnhandledRequest: 'bypass' });
  t.teardown(() => server.close());
  const { app, tokens, wsUrl } = await listening(t, {
    auth: { jwt: { jwksUrl: JWKS_URL, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
  });
  jwks = tokens.jwks;

  const leaving = await connectClient(wsUrl, { origin: APP_ORIGIN });
  leaving.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('ursula') }));
  await until(async () => jwksRequested, Boolean, 'the verification to be waiting on the key set');
  leaving.socket.close();
  await leaving.closed;
  // The server has seen the connection end (its 'close' ran) before the verification finishes.
  const openConnections = () =>
    new Promise<number>((resolve, reject) => app.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  await until(openConnections, (count) => count === 0, 'the server to see the socket close');
  release();

  // The first verification finishes before a second socket's (same key set, fetched once).
  const staying = await connectAuthenticated(wsUrl, await tokens.sign('ursula'), APP_ORIGIN);
  t.equal(app.notifications.realtimeConnections, 1, 'only the open socket is counted');
  staying.socket.close();
  await until(connections(app), (count) => count === 0, 'the gauge to fall back to zero');
  t.pass('the gauge falls back to zero');
});

t.test('one user holds at most maxSocketsPerUser sockets; one more is closed with 4429', async (t) => {
  const { app, tokens, wsUrl } = await listening(t, { realtime: { maxSocketsPerUser: 3 } });
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await connectAuthenticated(wsUrl, await tokens.sign('victor'), APP_ORIGIN));
  const extra = await connectClient(wsUrl, { origin: APP_ORIGIN });
  extra.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('victor') }));
  t.equal((await extra.closed).code, CLOSE_TOO_MANY_SOCKETS, 'the fourth socket is refused');
  t.equal(app.notifications.realtimeConnections, 3, 'three are held');

  const other = await connectAuthenticated(wsUrl, await tokens.sign('wendy'), APP_ORIGIN);
  t.ok(other, "another user's socket is not affected by victor's cap");

  held[0]!.socket.close();
  await until(connections(app), (count) => count === 3, 'the closed socket to leave (victor 2 + wendy 1)');
  const again = await connectAuthenticated(wsUrl, await tokens.sign('victor'), APP_ORIGIN);
  t.ok(again, 'a freed place can be taken again');
});

t.test('one address holds at most maxPendingSocketsPerIp unauthenticated sockets', async (t) => {
  const { tokens, wsUrl } = await listening(t, { realtime: { maxPendingSocketsPerIp: 2 } });
  const first = await connectClient(wsUrl, { origin: APP_ORIGIN });
  await connectClient(wsUrl, { origin: APP_ORIGIN });
  const third = await connectClient(wsUrl, { origin: APP_ORIGIN });
  t.equal((await third.closed).code, CLOSE_TOO_MANY_SOCKETS, 'a third socket without credentials is refused');

  first.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('xavier') }));
  await first.waitFor((frame) => frame.type === 'ready');
  const next = await connectClient(wsUrl, { origin: APP_ORIGIN });
  next.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('xavier') }));
  t.match(await next.waitFor((frame) => frame.type === 'ready'), { type: 'ready' }, 'an authenticated socket frees its place');
});

t.test('WebSocket upgrades are counted by the rate limit, per address', async (t) => {
  const { wsUrl } = await listening(t, { realtime: { upgradesPerMinutePerIp: 3 } });
  for (let i = 0; i < 3; i++) (await connectClient(wsUrl, { origin: APP_ORIGIN })).socket.close();
  await t.rejects(
    connectClient(wsUrl, { origin: APP_ORIGIN }),
    /upgrade refused: 429/,
    'the fourth upgrade in a minute is refused',
  );
});

t.test('a socket that stops reading is cut once its send buffer passes maxBufferedBytes', async (t) => {
  const { app, tokens, wsUrl, redisPrefix } = await listening(t, { realtime: { maxBufferedBytes: 64 * 1024 } });
  const slow = await connectAuthenticated(wsUrl, await tokens.sign('yuri'), APP_ORIGIN);
  const reader = await connectAuthenticated(wsUrl, await tokens.sign('zoe'), APP_ORIGIN);
  // The client stops reading its TCP socket: the kernel's buffers fill, then the server's.
  (slow.socket as unknown as { _socket: { pause: () => void } })._socket.pause();

  const publisher = new Redis(REDIS_URL);
  t.teardown(() => publisher.disconnect());
  const big = 'x'.repeat(32 * 1024);
  const frame = (userId: string, id: string) =>
    JSON.stringify({ userId, message: { name: 'new-notification', data: { id, message: big } } });
  // Bounded: 1,000 frames of 32 KiB is far more than loopback's socket buffers and the cap together.
  // Each batch ends with a marker for the reading client: the hub handles the channel in order, so
  // once the marker arrives every frame before it was sent (or its socket cut).
  let sent = 0;
  while (app.notifications.realtimeConnections === 2 && sent < 1_000) {
    for (let i = 0; i < 25; i++) await publisher.publish(fanoutChannel(redisPrefix), frame('yuri', `n${sent + i}`));
    sent += 25;
    await publisher.publish(
      fanoutChannel(redisPrefix),
      JSON.stringify({ userId: 'zoe', message: { name: 'batch', data: { sent } } }),
    );
    await reader.waitFor((f) => f.name === 'batch' && (f.data as { sent: number }).sent === sent);
  }
  await until(connections(app), (count) => count === 1, 'the slow socket to be cut');
  t.ok(sent < 1_000, `the slow socket was cut after ${sent} frames, before the bound`);

  t.equal(reader.socket.readyState, reader.socket.OPEN, 'the reading socket is still open and got every batch');
});

t.test('a credential valid for longer than setTimeout can count (24.8 days) keeps its socket open', async (t) => {
  const { tokens, wsUrl, redisPrefix } = await listening(t);
  const thirtyDays = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  const client = await connectAuthenticated(wsUrl, await tokens.sign('amos', { expiresIn: thirtyDays }), APP_ORIGIN);
  const publisher = new Redis(REDIS_URL);
  t.teardown(() => publisher.disconnect());
  // A round trip through Redis and back: an expiry timer that overflowed would have fired by then.
  await publisher.publish(
    fanoutChannel(redisPrefix),
    JSON.stringify({ userId: 'amos', message: { name: 'new-notification', data: { id: 'later' } } }),
  );
  t.match(await client.waitFor((f) => f.name === 'new-notification'), { data: { id: 'later' } }, 'the message arrives');
  t.equal(client.socket.readyState, client.socket.OPEN, 'the socket is still open');
});

t.test('the WebSocket refuses a subject that every HTTP route refuses', async (t) => {
  const { app, tokens, wsUrl, authFor } = await listening(t);
  const subject = 'nul\u0000user';
  const http = await app.inject({ url: '/api/notifications/unread-count', headers: await authFor(subject) });
  t.equal(http.statusCode, 401, 'HTTP refuses it');
  const socket = await connectClient(wsUrl, { origin: APP_ORIGIN });
  socket.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign(subject) }));
  t.equal((await socket.closed).code, 4401, 'the WebSocket refuses it too');
  t.equal(app.notifications.realtimeConnections, 0, 'nothing was admitted');
});
