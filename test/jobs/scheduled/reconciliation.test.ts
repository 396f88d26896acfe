import { randomUUID } from 'node:crypto';
import t from 'tap';
import { buildTestApp } from '../../helpers/app.js';
import { at, recipientOf } from './helpers.js';

t.test('reconciliation run twice for one date: one row, with the day’s figures', async (t) => {
  const { app, redisPrefix } = await buildTestApp(t, {
    workers: true,
    email: { enabled: false, resolveRecipient: recipientOf, dailyLimit: 150 },
  });
  const connection = app.notifications.orm.em.getConnection();
  const deliveries: Array<[status: string, quotaDate: string | null, deferredUntil: string | null, updatedAt: string]> = [
    ['sent', '2030-04-01', null, '2030-04-01T08:00:00Z'],
    ['sent', '2030-04-01', null, '2030-04-01T09:00:00Z'],
    ['sent', '2030-04-01', null, '2030-04-01T10:00:00Z'],
    ['pending', '2030-04-01', null, '2030-04-01T23:58:00Z'],
    ['deferred', null, '2030-04-02T00:00:00Z', '2030-04-01T20:00:00Z'],
    ['deferred', null, '2030-04-02T00:00:00Z', '2030-04-01T21:00:00Z'],
    ['failed', '2030-04-01', null, '2030-04-01T11:00:00Z'],
    // Other days: not counted.
    ['sent', '2030-03-31', null, '2030-03-31T08:00:00Z'],
    ['failed', '2030-04-02', null, '2030-04-02T01:00:00Z'],
    ['deferred', null, '2030-04-03T00:00:00Z', '2030-04-02T20:00:00Z'],
  ];
  for (const [status, quotaDate, deferredUntil, updatedAt] of deliveries) {
    await connection.execute(
      `insert into tresta_email_deliveries (id, notification_id, user_id, status, idempotency_key, quota_date, deferred_until, updated_at)
       values (?, ?, 'ada', ?, ?, ?::date, ?::timestamptz, ?::timestamptz)`,
      [randomUUID(), randomUUID(), status, `key-${randomUUID()}`, quotaDate, deferredUntil, updatedAt],
      'run',
    );
  }
  await app.notifications.redis.set(`${redisPrefix}:email:quota:2030-04-01`, '4');

  const runner = app.notifications.workers!.scheduled;
  const expected = { date: '2030-04-01', redisCount: 4, sent: 3, deferred: 2, failed: 1, dailyLimit: 150 };
  const first = await runner.runJob('reconciliation', { now: at('2030-04-01T23:59:00Z') });
  t.same(first, { job: 'reconciliation', period: '2030-04-01', status: 'completed', outcome: expected });
  const second = await runner.runJob('reconciliation', { now: at('2030-04-01T23:59:30Z') });
  t.same(second, { job: 'reconciliation', period: '2030-04-01', status: 'already-completed', outcome: expected });

  const rows = await connection.execute(
    'select date::text as date, redis_count, sent, deferred, failed, daily_limit from tresta_quota_snapshots',
  );
  t.same(
    rows,
    [{ date: '2030-04-01', redis_count: 4, sent: 3, deferred: 2, failed: 1, daily_limit: 150 }],
    'one row for the date',
  );
  const [run] = await connection.execute("select status, attempts from tresta_job_runs where job = 'reconciliation'");
  t.match(run, { status: 'finished', attempts: 1 }, 'the second run stopped at the fence');
});
