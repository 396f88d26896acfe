import t from 'tap';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import trestaNotifications, { type TrestaNotificationsOptions } from '../../plugin/index.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { createTokenKit } from '../helpers/tokens.js';

const TOKEN = randomBytes(32).toString('base64url');

t.test('metrics.token lets a scraper read GET /admin/metrics, and nothing else', async (t) => {
  const { app, authFor } = await buildTestApp(t, { metrics: { token: TOKEN } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const text = await app.inject({ url: '/admin/metrics', headers: { ...bearer(TOKEN), accept: 'text/plain' } });
  t.equal(text.statusCode, 200, 'Prometheus text with the token');
  t.match(text.body, /^# HELP tresta_/m);
  const json = await app.inject({ url: '/admin/metrics', headers: bearer(TOKEN) });
  t.equal(json.statusCode, 200, 'and JSON');
  t.ok(json.json().quota, 'the figures');

  t.equal((await app.inject({ url: '/admin/metrics', headers: bearer(`${TOKEN}x`) })).statusCode, 401, 'another token: 401');
  t.equal(
    (await app.inject({ url: '/admin/dlq', headers: bearer(TOKEN) })).statusCode,
    401,
    'the token opens no other admin route',
  );
  t.equal(
    (await app.inject({ url: '/api/notifications/unread-count', headers: bearer(TOKEN) })).statusCode,
    401,
    'nor a user route',
  );
  const admin = await app.inject({ url: '/admin/metrics', headers: await authFor('ops', { role: 'admin' }) });
  t.equal(admin.statusCode, 200, "an admin's session still works");
  const user = await app.inject({ url: '/admin/metrics', headers: await authFor('someone') });
  t.equal(user.statusCode, 403, 'a user is still refused');
});

t.test('a short metrics token fails register, naming the option', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  const options = {
    database: { url: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    redis: { url: REDIS_URL },
    auth: { jwt: { publicKey: (await createTokenKit()).publicKeyPem } },
    metrics: { token: 'short' },
  } as unknown as TrestaNotificationsOptions;
  await t.rejects(
    (async () => {
      await app.register(trestaNotifications, options).ready();
    })(),
    { code: 'TRESTA_ERR_OPTIONS_INVALID', message: /"metrics\.token"/ },
  );
});
