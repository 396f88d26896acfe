import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { until } from '../helpers/until.js';

const admin = { role: 'admin' };

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

t.test('metrics: deliveries per day, live connections, queues, dead letters — JSON and Prometheus', async (t) => {
  const { app, tokens, authFor } = await buildTestApp(t, { workers: true });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const wsUrl = `${address.replace('http', 'ws')}/api/notifications/ws`;
  const client = await connectAuthenticated(wsUrl, await tokens.sign('metric_user'), APP_ORIGIN);
  await connectAuthenticated(wsUrl, await tokens.sign('idle_user'), APP_ORIGIN);

  const sent = await app.notifications.notifyMany(
    Array.from({ length: 3 }, (_, i) => ({ userId: 'metric_user', type: 'NEW_TESTIMONIAL', title: `#${i}`, message: 'm' })),
  );
  for (const notification of sent) await client.waitFor((f) => (f.data as { id?: string } | undefined)?.id === notification.id);

  const headers = await authFor('ops', admin);
  t.equal((await app.inject({ url: '/admin/metrics', headers: await authFor('not_ops') })).statusCode, 403, 'admins only');

  // The counter is bumped just after the publish that the client saw: poll it with a deadline.
  const metrics = await until(
    async () => (await app.inject({ url: '/admin/metrics', headers })).json(),
    (shown) => shown.notifications.sentToday >= 3,
    'the counter to reach 3',
  );
  const today = new Date().toISOString().slice(0, 10);
  t.equal(metrics.notifications.sentToday, 3);
  t.equal(metrics.notifications.lastDays.length, 7, 'seven days, today last');
  t.same(metrics.notifications.lastDays.at(-1), { date: today, count: 3 });
  t.equal(metrics.realtime.connections, 2);
  t.match(metrics.queues.notifications, { waiting: Number, active: Number, delayed: Number, failed: 0 });
  t.equal(metrics.deadLetters.total, 0);

  const prometheus = await app.inject({ url: '/admin/metrics', headers: { ...headers, accept: 'text/plain' } });
  t.match(prometheus.headers['content-type'], /^text\/plain/);
  t.match(prometheus.body, /^tresta_notifications_delivered_total 3$/m, "the running total, counted with the day's figure");
  t.match(prometheus.body, /^tresta_realtime_connections 2$/m);
  t.match(prometheus.body, /^tresta_queue_jobs\{queue="notifications",state="failed"\} 0$/m);
  t.match(prometheus.body, /^tresta_dead_letters 0$/m);
});

t.test('the outbox backlog and the age of its oldest row', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  await app.notifications.notify({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  await app.notifications.orm.em.fork().execute("update tresta_outbox set created_at = now() - interval '90 seconds'");
  await app.notifications.notify({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const metrics = (await app.inject({ url: '/admin/metrics', headers: await authFor('ops', admin) })).json();
  t.equal(metrics.outbox.backlog, 2, 'no relay runs here (workers: false): both rows wait');
  t.ok(
    metrics.outbox.oldestAgeSeconds >= 90 && metrics.outbox.oldestAgeSeconds < 120,
    `oldest is ${metrics.outbox.oldestAgeSeconds} s old`,
  );
});
