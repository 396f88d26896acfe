import t from 'tap';
import { Queue } from 'bullmq';
import { buildTestApp } from '../../helpers/app.js';
import { recipientOf, seedNotifications, setPreferences, until } from './helpers.js';
import { awayFromTheHour } from '../../helpers/utc-midnight.js';

// Runs the digest twice in one fenced hour (and so counts one UTC day's emails).
await awayFromTheHour();

t.test('POST /admin/jobs/:name/run: admins only, unknown names 404, the outcome once finished, fenced', async (t) => {
  const { app, authFor, redisPrefix } = await buildTestApp(t, {
    workers: true,
    email: { enabled: false, resolveRecipient: recipientOf },
    // The defaults, but the sweeper's 5-minute tick, which could take this test's redrive period first.
    schedules: { redrive: '0 0 1 1 *' },
  });
  const admin = await authFor('ops', { role: 'admin' });
  const run = (name: string, headers = admin) => app.inject({ method: 'POST', url: `/admin/jobs/${name}/run`, headers });

  const forbidden = await run('digest', await authFor('ada'));
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().code, 'TRESTA_ERR_AUTH_FORBIDDEN');
  const unknown = await run('backup');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'TRESTA_ERR_JOB_UNKNOWN');

  const apiOnly = await buildTestApp(t, { workers: false });
  const noWorker = await apiOnly.app.inject({
    method: 'POST',
    url: '/admin/jobs/digest/run',
    headers: await apiOnly.authFor('ops', { role: 'admin' }),
  });
  t.equal(noWorker.statusCode, 503, 'an API-only instance with no worker process anywhere says so at once');
  t.equal(noWorker.json().code, 'TRESTA_ERR_JOB_NO_WORKER');

  // Their digest hour is midnight (their local day's first hour): due whenever the test runs.
  await setPreferences(app, 'ada', { digestHour: 0 });
  await setPreferences(app, 'bob', { digestHour: 0, timeZone: 'Pacific/Kiritimati' });
  // Written a moment ago: a digest takes whatever no digest has taken, however recent.
  await seedNotifications(app, [
    { userId: 'ada', createdAt: new Date() },
    { userId: 'bob', createdAt: new Date() },
  ]);
  const hour = new Date().toISOString().slice(0, 13);
  const digest = await run('digest');
  t.equal(digest.statusCode, 200);
  t.same(digest.json(), { job: 'digest', period: hour, status: 'completed', sent: 2, skipped: 0, carried: 0 });
  const again = await run('digest');
  t.same(again.json(), { job: 'digest', period: hour, status: 'already-completed', sent: 2, skipped: 0, carried: 0 });

  for (const name of ['reconciliation', 'redrive', 'retention']) {
    const response = await run(name);
    t.equal(response.statusCode, 200, name);
    t.match(response.json(), { job: name, status: 'completed' });
  }

  const mailbox = await until(
    () => app.notifications.orm.em.getConnection().execute('select "to", subject from tresta_mailbox order by "to"'),
    (rows) => rows.length === 2,
    'the two digests in the mailbox',
  );
  t.match(mailbox, [
    { to: 'ada@example.test', subject: 'Your daily digest: 1 new notification' },
    { to: 'bob@example.test', subject: 'Your daily digest: 1 new notification' },
  ]);
  t.equal(mailbox.length, 2);

  const queue = new Queue('scheduled', { connection: app.notifications.redis, prefix: redisPrefix });
  t.teardown(() => queue.close());
  const schedulers = await queue.getJobSchedulers();
  t.same(
    Object.fromEntries(schedulers.map((s) => [s.key, { pattern: s.pattern, tz: s.tz }])),
    {
      digest: { pattern: '0 * * * *', tz: 'UTC' },
      reconciliation: { pattern: '59 23 * * *', tz: 'UTC' },
      redrive: { pattern: '0 0 1 1 *', tz: 'UTC' },
      retention: { pattern: '0 3 * * *', tz: 'UTC' },
    },
    'the cron table (defaults and the one configured), upserted at start-up',
  );
});
