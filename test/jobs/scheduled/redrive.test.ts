import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Redis } from 'ioredis';
import { buildTestApp } from '../../helpers/app.js';
import { startPrivateRedis } from '../../helpers/private-redis.js';
import { APP_ORIGIN } from '../../helpers/tokens.js';
import { connectAuthenticated } from '../../helpers/ws-client.js';
import { recipientOf, until } from './helpers.js';

t.test('Redis wiped mid-day: the sweeper re-delivers what was lost, and nothing twice', async (t) => {
  const redis = await startPrivateRedis();
  t.teardown(() => redis.stop());
  const { app, tokens } = await buildTestApp(t, {
    workers: true,
    redis: { url: redis.url, prefix: 'tresta-redrive' },
    email: { enabled: false, resolveRecipient: recipientOf },
    // Only the sweeper runs this test asks for (its scheduled tick would otherwise race it).
    schedules: { redrive: '0 0 1 1 *' },
  });
  const connection = app.notifications.orm.em.getConnection();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await tokens.sign('ida', { expiresIn: '1h' }),
    APP_ORIGIN,
  );
  const receivedIds = () => client.frames.filter((f) => f.name === 'new-notification').map((f) => (f.data as { id: string }).id);

  // Delivered before the wipe: their outbox rows are published and they must not come again.
  const delivered = await app.notifications.notifyMany(
    Array.from({ length: 3 }, (_, i) => ({ userId: 'ida', type: 'NEW_TESTIMONIAL', title: `Before #${i}`, message: 'm' })),
  );
  await until(
    async () => receivedIds().length,
    (count) => count === 3,
    'the first three',
  );
  await until(
    () => connection.execute("select count(*)::int as count from tresta_outbox where status <> 'published'"),
    ([row]) => row?.count === 0,
    'the first three published',
  );

  // Published in real time by the relay and left to a deliver-notification job for their email
  // (outbox queued), then Redis lost the jobs: what a restart without persistence leaves behind.
  // Also lost: a deferred email's delayed job (its deliver job had finished), and a digest's job.
  const lost = Array.from({ length: 4 }, () => randomUUID());
  const deferred = randomUUID();
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  for (const id of [...lost, deferred]) {
    await connection.execute(
      `insert into tresta_notifications (id, user_id, type, title, message, created_at) values (?, 'ida', ?, ?, 'm', ?)`,
      [
        id,
        id === deferred ? 'NEW_TESTIMONIAL' : 'TESTIMONIAL_FLAGGED',
        id === deferred ? 'Deferred' : `Lost ${id}`,
        minutesAgo(10),
      ],
      'run',
    );
    await connection.execute(
      `insert into tresta_outbox (id, notification_id, user_id, status, published_at, created_at) values (?, ?, 'ida', ?, now(), ?)`,
      [randomUUID(), id, id === deferred ? 'published' : 'queued', minutesAgo(10)],
      'run',
    );
  }
  await connection.execute(
    `insert into tresta_email_deliveries (id, notification_id, user_id, priority, status, idempotency_key, deferred_until)
     values (?, ?, 'ida', 'normal', 'deferred', ?, ?)`,
    [randomUUID(), deferred, `notification-email/${deferred}`, minutesAgo(1)],
    'run',
  );
  // A digest the digest run took and rendered (its bytes in the delivery log row) whose job was lost.
  const digestRunId = randomUUID();
  await connection.execute(
    `insert into tresta_digest_runs (id, user_id, period, period_key, status, notification_count, window_end, created_at)
     values (?, 'dan', 'daily', '2026-01-05', 'pending', 1, ?, ?)`,
    [digestRunId, minutesAgo(10), minutesAgo(10)],
    'run',
  );
  await connection.execute(
    `insert into tresta_notifications (id, user_id, type, title, message, created_at, digest_run_id)
     values (?, 'dan', 'TESTIMONIAL_APPROVED', 'Approved', 'm', ?, ?)`,
    [randomUUID(), minutesAgo(60), digestRunId],
    'run',
  );
  const rendered = {
    from: 'Tresta <notifications@tresta.app>',
    to: 'dan@example.test',
    subject: 'Your daily digest: 1 new notification',
    html: '<p>Approved</p>',
    text: 'Approved',
    headers: { 'X-Entity-Ref-ID': digestRunId },
    tags: [{ name: 'category', value: 'digest' }],
  };
  await connection.execute(
    `insert into tresta_email_deliveries (id, digest_run_id, user_id, recipient, priority, status, idempotency_key, quota_date, content)
     values (?, ?, 'dan', 'dan@example.test', 'normal', 'pending', 'digest/dan/2026-01-05', '2026-01-05', ?::json)`,
    [randomUUID(), digestRunId, JSON.stringify(rendered)],
    'run',
  );
  const admin = new Redis(redis.url);
  t.teardown(() => admin.disconnect());
  await admin.flushall();

  const runner = app.notifications.workers!.scheduled;
  const sweep = await runner.runJob('redrive');
  t.match(sweep, { job: 'redrive', status: 'completed', outcome: { notifications: 4, deferredEmails: 1, digests: 1 } });
  await until(
    () => connection.execute("select count(*)::int as count from tresta_outbox where status <> 'published'"),
    ([row]) => row?.count === 0,
    'every re-created deliver job finished',
  );
  const emailed = await until(
    () =>
      connection.execute<Array<{ notification_id: string }>>(
        `select notification_id from tresta_email_deliveries where status = 'sent' and notification_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
        [JSON.stringify(lost)],
      ),
    (rows) => rows.length === lost.length,
    'the lost notifications’ emails',
  );
  t.same(new Set(emailed.map((row) => row.notification_id)), new Set(lost), 'each lost notification emailed');
  const [email] = await until(
    () => connection.execute('select status from tresta_email_deliveries where notification_id = ?', [deferred]),
    ([row]) => row?.status === 'sent',
    'the released deferred email',
  );
  t.equal(email?.status, 'sent');
  const [digest] = await until(
    () => connection.execute('select status from tresta_digest_runs where id = ?', [digestRunId]),
    ([row]) => row?.status === 'sent',
    'the lost digest',
  );
  t.equal(digest?.status, 'sent');
  const [mail] = await connection.execute('select subject from tresta_mailbox where "to" = ?', ['dan@example.test']);
  t.equal(mail?.subject, 'Your daily digest: 1 new notification');

  const again = await runner.runJob('redrive', { now: new Date(Date.now() + 60_000) });
  t.match(
    again,
    { status: 'completed', outcome: { notifications: 0, deferredEmails: 0, digests: 0 } },
    'nothing left to re-drive',
  );
  // Their real-time publish happened in the relay, before Redis was wiped: a re-driven job routes
  // the email and push only (and republishes on Ably, which is off here).
  const ids = receivedIds();
  t.equal(ids.length, 3, 'the client got three messages: nothing again');
  t.same(new Set(ids), new Set(delivered.map((n) => n.id)), 'the first three, once each');
});
