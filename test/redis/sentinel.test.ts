import { randomBytes } from 'node:crypto';
import t from 'tap';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { SENTINEL_MASTER_NAME, startPrivateRedisSentinel } from '../helpers/private-redis-sentinel.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const BEFORE = 50;
const DURING = 50;

t.test('through Sentinel, a failover while notifications flow loses none of them', async (t) => {
  const sentinel = await startPrivateRedisSentinel();
  t.teardown(() => sentinel.stop());
  const redis = {
    sentinel: { sentinels: sentinel.sentinels, name: SENTINEL_MASTER_NAME },
    prefix: `tresta-test-${randomBytes(4).toString('hex')}`,
  };
  const worker = await buildTestApp(t, { workers: true, redis });
  const api = await buildSecondInstance(t, worker, { redis, appUrl: APP_ORIGIN });
  const address = await api.listen({ port: 0, host: '127.0.0.1' });
  const client = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await worker.tokens.sign('ada', { expiresIn: '1h' }),
    APP_ORIGIN,
  );
  const note = (i: number) => ({ userId: `user_${i % 10}`, type: 'SECURITY_ALERT', title: `n${i}`, message: 'm' });

  const first = await api.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'before', message: 'm' });
  await client.waitFor((frame) => (frame.data as { id?: string } | undefined)?.id === first.id);
  for (let i = 0; i < BEFORE; i++) await api.notifications.notify(note(i));

  const masterBefore = await sentinel.masterPort();
  let failedOver = false;
  const failover = sentinel.failover().then(() => {
    failedOver = true;
  });
  // Notifications keep coming for as long as the failover takes, and a while after.
  let made = BEFORE;
  while (!failedOver || made < BEFORE + DURING) await api.notifications.notify(note(made++));
  await failover;
  t.not(await sentinel.masterPort(), masterBefore, 'the master moved to the other server');

  const undelivered = () =>
    worker.app.notifications.orm.em
      .getConnection()
      .execute<Array<{ n: number }>>("select count(*)::int as n from tresta_outbox where status <> 'published'")
      .then(([row]) => row?.n ?? -1);
  await until(undelivered, (n) => n === 0, 'every notification delivered after the failover');
  t.pass(`all ${made + 1} notifications delivered`);

  // The real-time path works on the new master too (the socket may have been asked to reconnect).
  const reconnected =
    client.socket.readyState === client.socket.OPEN
      ? client
      : await connectAuthenticated(
          `${address.replace('http', 'ws')}/api/notifications/ws`,
          await worker.tokens.sign('ada', { expiresIn: '1h' }),
          APP_ORIGIN,
        );
  const after = await api.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'after', message: 'm' });
  await reconnected.waitFor((frame) => (frame.data as { id?: string } | undefined)?.id === after.id);
  t.pass('a notification after the failover reaches the socket');
});
