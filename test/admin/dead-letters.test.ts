import t from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { until } from '../helpers/until.js';

const admin = { role: 'admin' };

t.test('a job that fails for good lands in the dead-letter table, visible to admins only', async (t) => {
  const { app, authFor, redisPrefix } = await buildTestApp(t, { workers: true });
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.notifications, { connection, prefix: redisPrefix });
  t.teardown(async () => {
    await queue.close();
    connection.disconnect();
  });
  // A payload from an older deploy that this one cannot read: a permanent failure, no retries.
  await queue.add('deliver-notification', { notification: 'not-a-uuid' }, { jobId: 'legacy-job', attempts: 5 });

  const em = app.notifications.orm.em.fork();
  const rows = await until(
    () => em.execute<Array<Record<string, unknown>>>('select * from tresta_dead_letters'),
    (found) => found.length > 0,
    'the dead letter',
  );
  t.match(rows, [
    { queue: 'notifications', job_id: 'legacy-job', job_name: 'deliver-notification', error_type: 'permanent', attempts: 1 },
  ]);

  const user = await authFor('not_an_admin');
  for (const [method, url] of [
    ['GET', '/admin/dlq'],
    ['GET', '/admin/dlq/stats'],
    ['POST', `/admin/dlq/${rows[0]!.id}/requeue`],
  ] as const) {
    const res = await app.inject({ method, url, headers: user });
    t.equal(res.statusCode, 403, `${method} ${url} → 403 for a non-admin`);
    t.equal(res.json().code, 'TRESTA_ERR_AUTH_FORBIDDEN');
    t.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url} → 401 without credentials`);
  }
  const [{ count }] = (await em.execute(
    'select count(*)::int as count from tresta_dead_letters where requeued_at is not null',
  )) as [{ count: number }];
  t.equal(count, 0, 'a refused requeue changed nothing');
});

t.test('list with filters and pages, stats, and a requeue asked twice at once makes one job', async (t) => {
  const { app, authFor, redisPrefix } = await buildTestApp(t);
  const em = app.notifications.orm.em.fork();
  for (let i = 0; i < 5; i++) {
    await em.execute(
      `insert into tresta_dead_letters (id, queue, job_id, job_name, payload, error_type, error_message, http_status, attempts)
       values (gen_random_uuid(), 'notifications', ?, 'deliver-notification', ?::jsonb, ?, 'failed', ?, 5)`,
      [
        `job-${i}`,
        JSON.stringify({ notificationId: '00000000-0000-4000-8000-00000000000' + i, userId: 'u' }),
        i < 3 ? 'transient' : 'permanent',
        i < 3 ? 503 : null,
      ],
    );
  }
  const headers = await authFor('ops', admin);

  const permanent = (await app.inject({ url: '/admin/dlq?errorType=permanent', headers })).json();
  t.equal(permanent.items.length, 2);
  t.ok(permanent.items.every((item: { errorType: string }) => item.errorType === 'permanent'));
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
      await app.inject({ url: `/admin/dlq?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers })
    ).json();
    page.items.forEach((item) => seen.add(item.id));
    cursor = page.nextCursor;
  } while (cursor);
  t.equal(seen.size, 5, 'pages of two walk every dead letter once');

  t.same((await app.inject({ url: '/admin/dlq/stats', headers })).json(), {
    total: 5,
    byErrorType: { transient: 3, permanent: 2 },
    byQueue: { notifications: 5 },
    byHttpStatus: { '503': 3, none: 2 },
  });

  const [target] = (await em.execute("select id from tresta_dead_letters where job_id = 'job-0'")) as [{ id: string }];
  const [first, second] = await Promise.all([
    app.inject({ method: 'POST', url: `/admin/dlq/${target.id}/requeue`, headers }),
    app.inject({ method: 'POST', url: `/admin/dlq/${target.id}/requeue`, headers }),
  ]);
  t.same([first!.statusCode, second!.statusCode], [200, 200]);
  t.same([first!.json().alreadyRequeued, second!.json().alreadyRequeued].sort(), [false, true], 'recorded once');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.notifications, { connection, prefix: redisPrefix });
  t.teardown(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
  t.same(
    jobs.map((job) => job.id),
    [`requeue-${target.id}`],
    'one job in the queue',
  );
  t.match(jobs[0]!.opts, { attempts: 5, backoff: { type: 'seed' } }, 'with the job’s usual retry policy');

  const missing = await app.inject({ method: 'POST', url: '/admin/dlq/00000000-0000-4000-8000-000000000000/requeue', headers });
  t.equal(missing.statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: '/admin/dlq/nope/requeue', headers })).statusCode, 400);
});
