import t from 'tap';
import Fastify from 'fastify';
import trestaNotifications, { type TrestaNotificationsOptions } from '../../plugin/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

t.test('prefix moves every route of the plugin, beside a host that owns /health and /admin', async (t) => {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  app.get('/health/live', async () => ({ host: 'alive' }));
  app.get('/admin/metrics', async () => ({ host: 'metrics' }));
  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-mount-${process.pid}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: APP_ORIGIN,
    workers: false,
    prefix: '/v1',
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const authorization = `Bearer ${await tokens.sign('mona', { expiresIn: '1h' })}`;
  await app.notifications.notify({ userId: 'mona', type: 'NEW_TESTIMONIAL', title: 'Hi', message: 'm' });

  t.same((await app.inject('/health/live')).json(), { host: 'alive' }, "the host's /health/live is the host's");
  t.same((await app.inject('/admin/metrics')).json(), { host: 'metrics' }, "the host's /admin/metrics is the host's");
  t.equal((await app.inject('/v1/health/live')).statusCode, 200, "the plugin's health moved under /v1");
  const count = await app.inject({ url: '/v1/api/notifications/unread-count', headers: { authorization } });
  t.same(count.json(), { count: 1 }, 'the API is under /v1');
  t.equal(
    (await app.inject({ url: '/api/notifications/unread-count', headers: { authorization } })).statusCode,
    404,
    'and not at the root',
  );

  const realtime = (await app.inject({ url: '/v1/api/notifications/realtime', headers: { authorization } })).json();
  t.equal(realtime.websocket.url, '/v1/api/notifications/ws', 'the widget is told where the socket is');
  const socket = await connectAuthenticated(
    `${address.replace('http', 'ws')}${realtime.websocket.url}`,
    await tokens.sign('mona'),
    APP_ORIGIN,
  );
  t.ok(socket, 'and the socket answers there');
  socket.socket.close();

  const openapi = (await app.inject('/v1/api/notifications/openapi.json')).json() as { paths: Record<string, unknown> };
  t.ok(openapi.paths['/v1/api/notifications/unread-count'], 'the OpenAPI document names the prefixed paths');
  t.equal((await app.inject('/v1/api/notifications/widget.js')).statusCode, 200, 'the widget bundle is served under /v1');
});

t.test('healthRoutes: false leaves /health/* to the host', async (t) => {
  const { app } = await buildTestApp(t, { healthRoutes: false });
  t.equal((await app.inject('/health/live')).statusCode, 404, 'no /health/live from the plugin');
  t.equal((await app.inject('/health/ready')).statusCode, 404, 'no /health/ready from the plugin');
});

t.test('a prefix that is not a path fails register, naming the option', async (t) => {
  for (const prefix of ['v1', '/v1/', '/v 1', 42]) {
    const app = Fastify();
    await t.rejects(
      (async () => {
        const options = {
          database: { url: 'postgresql://postgres@127.0.0.1:5432/postgres' },
          redis: { url: REDIS_URL },
          auth: { jwt: { publicKey: 'x' } },
          prefix,
        } as unknown as TrestaNotificationsOptions;
        await app.register(trestaNotifications, options).ready();
      })(),
      { code: 'TRESTA_ERR_OPTIONS_INVALID', message: /"prefix"/ },
      JSON.stringify(prefix),
    );
    await app.close();
  }
});
