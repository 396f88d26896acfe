import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

t.test('Postgres away: routes answer 503 with retry-after and no internals, then recover on their own', async (t) => {
  const proxy = await startTcpProxy(5432);
  t.teardown(() => proxy.close());
  const { app, authFor } = await buildTestApp(t, {}, proxy.port);
  const headers = await authFor('outage_user');
  await app.notifications.notify({ userId: 'outage_user', type: 'NEW_TESTIMONIAL', title: 'Before', message: 'm' });
  t.equal((await app.inject({ url: '/api/notifications', headers })).statusCode, 200);

  await proxy.cut();
  for (const url of ['/api/notifications', '/api/notifications/unread-count', '/api/notifications/preferences']) {
    const res = await app.inject({ url, headers });
    t.equal(res.statusCode, 503, `${url} → 503`);
    t.equal(res.headers['retry-after'], '5');
    t.same(res.json(), {
      statusCode: 503,
      code: 'TRESTA_ERR_DB_UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'The notification store is unavailable; retry shortly',
    });
  }
  const ready = await app.inject({ url: '/health/ready' });
  t.same(
    [ready.statusCode, ready.json()],
    [
      503,
      {
        statusCode: 503,
        code: 'TRESTA_ERR_NOT_READY',
        error: 'Service Unavailable',
        message: 'Not ready: postgres unavailable',
        status: 'unavailable',
        down: ['postgres'],
      },
    ],
    'readiness names Postgres, in the error shape',
  );

  await proxy.restore();
  const recovered = await until(
    () => app.inject({ url: '/api/notifications', headers }),
    (response) => response.statusCode === 200,
    'the routes to answer again',
  );
  t.equal(recovered.statusCode, 200, 'answers again once Postgres is back, without a restart');
  t.equal(recovered.json().items[0].title, 'Before');
});
