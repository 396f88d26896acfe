import t, { type Test } from 'tap';
import { Job, Queue } from 'bullmq';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { REDIS_URL } from '../../helpers/services.js';
import { digestDueAtAnyHour, seedNotifications, until } from './helpers.js';
import { spawnDigestWorker } from './spawn-digest-worker.js';

async function setup(t: Test, users: number): Promise<{ test: TestApp; queue: Queue; count: (sql: string) => Promise<number> }> {
  const test = await buildTestApp(t, { workers: false });
  const hourAgo = new Date(Date.now() - 3_600_000);
  const userIds = Array.from({ length: users }, (_, i) => `user_${String(i).padStart(4, '0')}`);
  await digestDueAtAnyHour(test.app, userIds);
  await seedNotifications(
    test.app,
    userIds.map((userId) => ({ userId, createdAt: hourAgo })),
  );
  const queue = new Queue('scheduled', { connection: test.app.notifications.redis, prefix: test.redisPrefix });
  t.teardown(() => queue.close());
  const connection = test.app.notifications.orm.em.getConnection();
  const count = async (sql: string) => ((await connection.execute(sql)) as [{ count: number }])[0].count;
  return { test, queue, count };
}

const spawnFor = (t: Test, test: TestApp, recipientDelayMs = 0) => {
  const worker = spawnDigestWorker({ databaseUrl: test.db.url, redisUrl: REDIS_URL, prefix: test.redisPrefix, recipientDelayMs });
  t.teardown(() => void worker.child.kill('SIGKILL'));
  return worker;
};

const MAILBOX_USERS = `select count(distinct "to")::int as count from tresta_mailbox`;
const MAILBOX_ROWS = `select count(*)::int as count from tresta_mailbox`;

t.test('three worker processes at the same tick: exactly one digest per user', async (t) => {
  const users = 20;
  const { test, queue, count } = await setup(t, users);
  const workers = [spawnFor(t, test), spawnFor(t, test), spawnFor(t, test)];
  await Promise.all(workers.map((worker) => worker.started));
  t.equal((await queue.getJobSchedulers()).length, 4, 'three processes upserted one scheduler per job');

  // The duplicate runs schedulers have had: the same tick delivered three times, to whoever takes it.
  const ticks = await queue.addBulk(['a', 'b', 'c'].map((id) => ({ name: 'digest', data: {}, opts: { jobId: `tick-${id}` } })));
  const results = await until(
    async () =>
      Promise.all(ticks.map(async (tick) => (await Job.fromId(queue, tick.id!))?.returnvalue as { status: string } | null)),
    (values) => values.every(Boolean),
    'the three ticks',
  );
  t.equal(results.filter((result) => result!.status === 'completed').length, 1, 'one run did the work');
  t.ok(
    results.every((result) => ['completed', 'busy', 'already-completed'].includes(result!.status)),
    `the others were turned away: ${results.map((result) => result!.status).join(', ')}`,
  );

  await until(
    () => count(MAILBOX_ROWS),
    (rows) => rows >= users,
    'every digest',
  );
  const digests = new Queue('digests', { connection: test.app.notifications.redis, prefix: test.redisPrefix });
  t.teardown(() => digests.close());
  await until(
    async () => digests.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
    (counts) => Object.values(counts).every((n) => n === 0),
    'the digests queue to drain',
  );
  t.equal(await count(MAILBOX_ROWS), users, 'one email per user');
  t.equal(await count(MAILBOX_USERS), users);
  t.equal(await count("select count(*)::int as count from tresta_digest_runs where status = 'sent'"), users);
  t.equal(await count("select count(*)::int as count from tresta_email_deliveries where status = 'sent'"), users);
});

t.test('a digest run killed midway and restarted: no user twice', async (t) => {
  const users = 1_200;
  const { test, queue, count } = await setup(t, users);
  // Each chunk of 500 users waits a second on its addresses: long enough to be killed in between.
  const first = spawnFor(t, test, 1_000);
  await first.started;
  await queue.add('digest', {}, { jobId: 'tick-killed' });

  await until(
    () => count(MAILBOX_ROWS),
    (rows) => rows > 0,
    'the first digests going out',
    60_000,
  );
  first.child.kill('SIGKILL');
  await first.exited;
  const claimedAtKill = await count('select count(*)::int as count from tresta_digest_runs');
  const sentAtKill = await count(MAILBOX_ROWS);
  t.ok(claimedAtKill < users, `killed midway: ${claimedAtKill} of ${users} users claimed, ${sentAtKill} sent`);

  // The killed run's job comes back when its lock lapses (5 s) and resumes under the same id.
  const second = spawnFor(t, test, 1_000);
  await second.started;
  const result = await until(
    async () => (await Job.fromId(queue, 'tick-killed'))?.returnvalue as { status: string; outcome: { sent: number } } | null,
    Boolean,
    'the resumed run',
    120_000,
  );
  t.match(result, { status: 'completed', outcome: { carried: 0 } });
  await until(
    () => count(MAILBOX_ROWS),
    (rows) => rows >= users,
    'every digest',
    120_000,
  );
  // A digest the killed worker mailed but never marked is marked by its job's re-run, once the
  // job's lock has lapsed: the last mailbox row can come before that.
  await until(
    () => count("select count(*)::int as count from tresta_digest_runs where status = 'sent'"),
    (sent) => sent >= users,
    'every digest marked sent',
    120_000,
  );
  t.equal(await count(MAILBOX_USERS), users, 'every user got a digest');
  t.equal(await count(MAILBOX_ROWS), users, 'and no one got two');
  t.equal(await count("select count(*)::int as count from tresta_digest_runs where status = 'sent'"), users);
  const [run] = await test.app.notifications.orm.em
    .getConnection()
    .execute("select status, attempts from tresta_job_runs where job = 'digest'");
  t.match(run, { status: 'finished' }, 'one period, finished once');
  // Two, or more if the resumed worker stalled on a loaded machine: what matters is that it resumed.
  t.ok((run as { attempts: number }).attempts >= 2, `resumed: ${(run as { attempts: number }).attempts} attempts`);
});
