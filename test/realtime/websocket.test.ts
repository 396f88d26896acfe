import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { connectAuthenticated, connectClient } from '../helpers/ws-client.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { until } from '../helpers/until.js';
import { Redis } from 'ioredis';
import { encodeFanout, fanoutChannel } from '../../plugin/realtime/redis-fanout.js';
import { CLOSE_RECONNECT } from '../../plugin/realtime/websocket-hub.js';

const note = (userId: string, title = 'Hello') => ({ userId, type: 'NEW_TESTIMONIAL', title, message: 'm' });

async function listening(t: Test, overrides = {}) {
  const built = await buildTestApp(t, { workers: true, ...overrides });
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...built, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

t.test("notify() reaches the user's connected clients, and nobody else's", async (t) => {
  const { app, tokens, wsUrl } = await listening(t);
  const alice = await connectAuthenticated(wsUrl, await tokens.sign('alice'), APP_ORIGIN);
  const aliceOtherTab = await connectAuthenticated(wsUrl, await tokens.sign('alice'), APP_ORIGIN);
  const bob = await connectAuthenticated(wsUrl, await tokens.sign('bob'), APP_ORIGIN);
  t.equal(app.notifications.realtimeConnections, 3, 'three live connections are counted');

  const sent = await app.notifications.notify(note('alice', 'For Alice'));
  for (const client of [alice, aliceOtherTab]) {
    const frame = await client.waitFor((f) => f.name === 'new-notification');
    t.match(frame, { name: 'new-notification', data: { id: sent.id, title: 'For Alice', isRead: false } });
  }
  // Bob's own notification proves his socket works; by then Alice's would have reached him too.
  await app.notifications.notify(note('bob', 'For Bob'));
  await bob.waitFor((f) => f.name === 'new-notification');
  t.notOk(
    bob.frames.some((f) => JSON.stringify(f).includes('For Alice')),
    "Bob never sees Alice's notification",
  );

  bob.socket.close();
  await bob.closed;
  await t.resolves(async () => {
    const deadline = Date.now() + 5_000;
    while (app.notifications.realtimeConnections !== 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  });
  t.equal(app.notifications.realtimeConnections, 2, 'a closed socket is no longer counted');
});

t.test('marking read is announced to the user’s other clients', async (t) => {
  const { app, tokens, wsUrl, authFor } = await listening(t);
  const [first, second] = await app.notifications.notifyMany([note('carol'), note('carol')]);
  const otherTab = await connectAuthenticated(wsUrl, await tokens.sign('carol'), APP_ORIGIN);
  const headers = await authFor('carol');
  await app.inject({ method: 'PATCH', url: `/api/notifications/${first!.id}`, headers, payload: { isRead: true } });
  t.match(await otherTab.waitFor((f) => f.name === 'notifications-read'), { data: { ids: [first!.id], unreadCount: 1 } });
  await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers });
  t.match(await otherTab.waitFor((f) => f.name === 'notifications-read' && (f.data as { all?: boolean }).all === true), {
    data: { all: true, unreadCount: 0 },
  });
  t.ok(second, 'two notifications were written');
});

t.test('the socket refuses bad credentials, foreign origins and oversized frames', async (t) => {
  const { tokens, wsUrl } = await listening(t);

  const noAuth = await connectClient(wsUrl, { origin: APP_ORIGIN });
  noAuth.socket.send(JSON.stringify({ hello: 'world' }));
  t.equal((await noAuth.closed).code, 4401, 'a first frame that is not an auth frame closes the socket');

  const badToken = await connectClient(wsUrl, { origin: APP_ORIGIN });
  badToken.socket.send(JSON.stringify({ type: 'auth', token: 'not.a.token' }));
  t.equal((await badToken.closed).code, 4401, 'an invalid token closes the socket');

  const expired = await connectClient(wsUrl, { origin: APP_ORIGIN });
  expired.socket.send(
    JSON.stringify({ type: 'auth', token: await tokens.sign('dave', { expiresIn: Math.floor(Date.now() / 1000) - 60 }) }),
  );
  t.equal((await expired.closed).code, 4401, 'an expired token closes the socket');

  await t.rejects(
    connectClient(wsUrl, { origin: 'https://evil.example' }),
    /upgrade refused: 403/,
    'a foreign Origin is refused',
  );

  const switching = await connectAuthenticated(wsUrl, await tokens.sign('erin'), APP_ORIGIN);
  switching.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('mallory') }));
  t.equal((await switching.closed).code, 4401, 'a socket cannot switch to another user');

  const oversized = await connectAuthenticated(wsUrl, await tokens.sign('frank'), APP_ORIGIN);
  oversized.socket.send('x'.repeat(64 * 1024));
  t.equal((await oversized.closed).code, 1009, 'an oversized frame closes the socket (1009 message too big)');
});

t.test('the socket closes when its token expires, unless a fresh token extends it', async (t) => {
  const { tokens, wsUrl } = await listening(t);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const shortLived = await connectAuthenticated(wsUrl, await tokens.sign('gina', { expiresIn: nowSeconds + 1 }), APP_ORIGIN);
  t.equal((await shortLived.closed).code, 4401, 'closed at expiry');

  // Time enough to connect and send the fresh token on a loaded machine; then the old expiry passes.
  const oldExpiry = Math.floor(Date.now() / 1000) + 6;
  const extended = await connectAuthenticated(wsUrl, await tokens.sign('gina', { expiresIn: oldExpiry }), APP_ORIGIN);
  extended.socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign('gina', { expiresIn: '1h' }) }));
  await extended.waitFor((f) => f.type === 'ready' && typeof f.expiresAt === 'number' && f.expiresAt > Date.now() + 60_000);
  await until(
    async () => Date.now(),
    (now) => now > oldExpiry * 1000 + 1_000,
    'the first token to expire',
  );
  t.equal(extended.socket.readyState, extended.socket.OPEN, 'still open past the first token’s expiry, with the fresh token');
  extended.socket.close();
});

t.test(
  'Redis restarts under the hub: every client is asked to reconnect and catch up (1012), then messages flow again',
  async (t) => {
    const privateRedis = await startPrivateRedis();
    t.teardown(() => privateRedis.stop());
    const { tokens, wsUrl } = await listening(t, { workers: false, redis: { url: privateRedis.url, prefix: 'hub-restart' } });
    const before = await connectAuthenticated(wsUrl, await tokens.sign('alice'), APP_ORIGIN);

    await privateRedis.stop();
    await privateRedis.start();
    const closed = await before.closed;
    t.equal(closed.code, CLOSE_RECONNECT, 'what was published while the feed was cut can only come back by a refetch');

    const after = await connectAuthenticated(wsUrl, await tokens.sign('alice'), APP_ORIGIN);
    const message = { name: 'new-notification', data: { id: 'after-restart' } } as const;
    const publisher = new Redis(privateRedis.url);
    t.teardown(() => publisher.disconnect());
    await publisher.publish(fanoutChannel('hub-restart'), encodeFanout('alice', message as never));
    t.match(
      await after.waitFor((f) => f.name === 'new-notification'),
      { data: { id: 'after-restart' } },
      'the hub listens again',
    );
    // A worker of the previous release, still running during a rolling deploy, sends the JSON envelope.
    const envelope = { userId: 'alice', message: { name: 'new-notification', data: { id: 'from-old-worker' } } };
    await publisher.publish(fanoutChannel('hub-restart'), JSON.stringify(envelope));
    t.match(
      await after.waitFor((f) => f.name === 'new-notification' && (f.data as { id?: string }).id === 'from-old-worker'),
      { data: { id: 'from-old-worker' } },
      'the envelope of the previous release still reaches the socket',
    );
  },
);
