import { randomUUID } from 'node:crypto';
import t from 'tap';
import { resolveOptions } from '../../../plugin/startup/options.js';
import { buildTestApp } from '../../helpers/app.js';
import { at, seedNotifications } from './helpers.js';

const NOW = at('2030-06-30T03:00:00Z');
const OLD = at('2030-05-01T12:00:00Z');
const RECENT = at('2030-06-29T12:00:00Z');

t.test(
  'retention deletes, in batches, published outbox rows, old delivery logs and (when asked) old read notifications',
  async (t) => {
    const { app } = await buildTestApp(t, { workers: true, retention: { readNotificationsDays: 30, batchSize: 2 } });
    // The relay would publish the pending row below on its next poll (every second; a loaded machine
    // takes longer than that from the insert to the checks): retention alone acts on the outbox here.
    await app.notifications.workers!.relay.stop();
    const connection = app.notifications.orm.em.getConnection();
    const count = async (sql: string) => ((await connection.execute(sql)) as [{ count: number }])[0].count;

    const [oldRead, oldUnread, recentRead] = await seedNotifications(app, [
      { userId: 'ada', createdAt: OLD, isRead: true },
      { userId: 'ada', createdAt: OLD },
      { userId: 'ada', createdAt: RECENT, isRead: true },
      ...Array.from({ length: 4 }, () => ({ userId: 'bob', createdAt: OLD, isRead: true })),
    ]);
    for (const [status, publishedAt] of [
      ['published', '2030-06-30T01:00:00Z'],
      ['published', '2030-06-30T01:30:00Z'],
      ['published', '2030-06-30T02:30:00Z'],
      ['pending', null],
    ] as const) {
      await connection.execute(
        'insert into tresta_outbox (id, notification_id, user_id, status, published_at) values (?, ?, ?, ?, ?::timestamptz)',
        [randomUUID(), randomUUID(), 'ada', status, publishedAt],
        'run',
      );
    }
    for (const [status, createdAt] of [
      ['sent', OLD],
      ['failed', OLD],
      ['suppressed', OLD],
      ['deferred', OLD],
      ['sent', RECENT],
    ] as const) {
      await connection.execute(
        'insert into tresta_email_deliveries (id, notification_id, user_id, status, idempotency_key, created_at) values (?, ?, ?, ?, ?, ?)',
        [randomUUID(), randomUUID(), 'ada', status, `key-${randomUUID()}`, createdAt],
        'run',
      );
    }
    for (const [periodKey, status, windowEnd] of [
      ['2030-04-30', 'sent', '2030-04-30T08:55:00Z'],
      ['2030-05-01', 'sent', '2030-05-01T08:55:00Z'],
    ] as const) {
      await connection.execute(
        `insert into tresta_digest_runs (id, user_id, period, period_key, status, window_end, created_at)
       values (?, 'ada', 'daily', ?, ?, ?::timestamptz, ?::timestamptz)`,
        [randomUUID(), periodKey, status, windowEnd, windowEnd],
        'run',
      );
    }

    await connection.execute(
      `insert into tresta_job_runs (job, period_key, status, started_at, finished_at)
     values ('digest', '2030-05-01', 'finished', '2030-05-01T09:00:00Z', '2030-05-01T09:01:00Z')`,
      [],
      'run',
    );

    const result = await app.notifications.workers!.scheduled.runJob('retention', { now: NOW });
    t.match(result, {
      job: 'retention',
      period: '2030-06-30',
      status: 'completed',
      outcome: { publishedOutbox: 2, deliveryLogs: 3, digestRuns: 2, jobRuns: Number, readNotifications: 5 },
    });
    t.same(
      await connection.execute("select job from tresta_job_runs where period_key = '2030-05-01'"),
      [],
      'the old run’s fence row is gone',
    );
    t.same(
      await connection.execute("select status from tresta_job_runs where job = 'retention'"),
      [{ status: 'finished' }],
      'this run’s own row stays',
    );
    t.equal(
      await count("select count(*)::int as count from tresta_outbox where status = 'pending'"),
      1,
      'pending outbox rows stay',
    );
    t.equal(await count('select count(*)::int as count from tresta_outbox'), 2, 'the last hour’s published row stays');
    t.equal(
      await count('select count(*)::int as count from tresta_email_deliveries'),
      2,
      'the deferred row and the recent one stay',
    );
    // Digests are found by the notifications they took, not by a window: an old row has no use left.
    t.equal(await count('select count(*)::int as count from tresta_digest_runs'), 0, 'old digest rows go, the last one too');
    const left = (await connection.execute('select id from tresta_notifications')).map((row) => row.id).sort();
    t.same(left, [oldUnread, recentRead].sort(), 'unread and recent notifications stay');
    t.notOk(left.includes(oldRead));
  },
);

t.test('read notifications are kept unless retention.readNotificationsDays is set; bad values fail register', async (t) => {
  const base = { database: { url: 'postgresql://x/y' }, redis: { url: 'redis://x' }, auth: { authenticate: async () => null } };
  t.match(resolveOptions(base).retention, { deliveryLogDays: 30, readNotificationsDays: null, batchSize: 1_000 });
  t.throws(() => resolveOptions({ ...base, retention: { readNotificationsDays: 0 } }), {
    code: 'TRESTA_ERR_OPTIONS_INVALID',
    message: /"retention\.readNotificationsDays"/,
  });
  t.throws(() => resolveOptions({ ...base, schedules: { digest: 'at nine' } }), { message: /"schedules\.digest"/ });
  t.throws(() => resolveOptions({ ...base, schedules: { backup: '0 1 * * *' } }), { message: /"schedules\.backup"/ });
  t.same(resolveOptions({ ...base, schedules: { digest: '30 7 * * *' } }).schedules, { digest: '30 7 * * *' });
});
