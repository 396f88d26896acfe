import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';
import { CLOSE_RECONNECT } from '../../plugin/realtime/websocket-hub.js';

t.test('with Redis down, notify() still commits, reads still work, and delivery resumes when Redis returns', async (t) => {
  const redis = await startPrivateRedis();
  t.teardown(() => redis.stop());
  const { app, tokens, authFor } = await buildTestApp(t, { workers: true, redis: { url: redis.url, prefix: 'tresta-outage' } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await tokens.sign('ida', { expiresIn: '1h' }),
    APP_ORIGIN,
  );

  await redis.stop();
  const sent = await app.notifications.notify({
    userId: 'ida',
    type: 'SECURITY_ALERT',
    title: 'While Redis was down',
    message: 'm',
  });
  const [outbox] = await app.notifications.orm.em
    .fork()
    .execute('select status from tresta_outbox where notification_id = ?', [sent.id]);
  t.equal(outbox?.status, 'pending', 'the notification committed and waits in the outbox');
  const list = await app.inject({ url: '/api/notifications', headers: await authFor('ida') });
  t.equal(list.statusCode, 200, 'the list is served from Postgres while Redis is down');
  t.equal(list.json().items[0].id, sent.id);

  await redis.start();
  t.equal((await client.closed).code, CLOSE_RECONNECT, 'the feed was cut: the client is asked to reconnect and catch up');
  const delivered = await until(
    async () =>
      (
        await app.notifications.orm.em
          .fork()
          .execute<Array<{ status: string }>>('select status from tresta_outbox where notification_id = ?', [sent.id])
      )[0]?.status,
    (status) => status === 'published',
    'the delivery once Redis is back',
  );
  t.ok(delivered, 'delivered once Redis is back');
  const again = await app.inject({ url: '/api/notifications', headers: await authFor('ida') });
  t.equal(again.json().items[0].id, sent.id, 'and the reconnected client finds it on its refetch');
});
