import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { PatientWorker } from '../../plugin/jobs/patient-worker.js';
import { resolveWorkerOptions } from '../../plugin/startup/options.js';
import { DEAF_LISTEN_POLL_MS } from '../../plugin/jobs/outbox-relay.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

// The idle settings are the defaults: every test here runs with them (drainDelay 300 s, stalled
// checks every 5 min, the relay's poll backing off to 5 min), and a deadline far below those.
const DEADLINE_MS = 30_000;

const HOUR_MS = 3_600_000;

/** BullMQ's block-length rule, reached from outside (it is protected). */
const blockTimeoutOf = (worker: Worker, blockUntil: number) =>
  (worker as unknown as { getBlockTimeout(blockUntil: number): number }).getBlockTimeout(blockUntil);

function privateQueue(t: Test): { name: string; prefix: string; connection: Redis; queue: Queue } {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `tresta-test-idle-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('idle', { connection, prefix });
  t.teardown(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  return { name: 'idle', prefix, connection, queue };
}

t.test('the idle settings are the defaults; a host that shortens the lock keeps stalled checks as quick', async (t) => {
  const base = { database: { url: 'postgresql://x/y' }, redis: { url: REDIS_URL } };
  t.match(resolveWorkerOptions(base), {
    jobs: { drainDelaySeconds: 300, stalledCheckIntervalMs: 300_000, relayIdlePollMs: 300_000, lockDurationMs: 30_000 },
    alerts: { checkIntervalMs: 120_000 },
  });
  t.match(resolveWorkerOptions({ ...base, jobs: { lockDurationMs: 5_000 } }).jobs, { stalledCheckIntervalMs: 5_000 });
  t.match(resolveWorkerOptions({ ...base, jobs: { lockDurationMs: 5_000, stalledCheckIntervalMs: 60_000 } }).jobs, {
    stalledCheckIntervalMs: 60_000,
  });
  for (const [option, value] of [
    ['drainDelaySeconds', 0],
    ['stalledCheckIntervalMs', 1.5],
    ['relayIdlePollMs', '60s'],
  ] as const) {
    t.throws(() => resolveWorkerOptions({ ...base, jobs: { [option]: value } }), {
      code: 'TRESTA_ERR_OPTIONS_INVALID',
      message: new RegExp(`"jobs\\.${option}"`),
    });
  }
});

t.test('a worker waits its drainDelay with a delayed job an hour away, where a stock worker wakes every 10 s', async (t) => {
  const { name, prefix, connection } = privateQueue(t);
  const options = { connection, prefix, drainDelay: 300, autorun: false };
  const patient = new PatientWorker(name, async () => undefined, options);
  const stock = new Worker(name, async () => undefined, options);
  t.teardown(async () => {
    await patient.close();
    await stock.close();
  });
  const inAnHour = Date.now() + HOUR_MS;
  t.equal(blockTimeoutOf(stock, inAnHour), 10, "BullMQ's Redis backend caps the wait at 10 s");
  t.equal(blockTimeoutOf(patient, inAnHour), 300, 'the patient worker waits its drainDelay');
  t.ok(blockTimeoutOf(patient, Date.now() + 3_000) <= 3, 'and never past the next delayed job');
  t.equal(blockTimeoutOf(patient, 0), 300, 'with no delayed job, drainDelay as before');
});

t.test('a delayed job added while a patient worker waits runs when due, not before', async (t) => {
  const { name, prefix, connection, queue } = privateQueue(t);
  await queue.add('later', {}, { jobId: 'in-an-hour', delay: HOUR_MS });
  const ran = new Map<string, number>();
  const workerConnection = connection.duplicate();
  const worker = new PatientWorker(
    name,
    async (job: Job) => {
      ran.set(job.id!, Date.now());
    },
    { connection: workerConnection, prefix, drainDelay: 300 },
  );
  t.teardown(async () => {
    await worker.close();
    workerConnection.disconnect();
  });
  // Drained: the worker found nothing to do and now waits on Redis (up to 300 s).
  await new Promise<void>((resolve) => worker.once('drained', () => resolve()));
  const added = await queue.add('soon', {}, { jobId: 'in-two-seconds', delay: 2_000 });
  const due = added.timestamp + 2_000;
  const startedAt = await until(
    () => ran.get('in-two-seconds'),
    (at) => at !== undefined,
    'the delayed job',
    DEADLINE_MS,
  );
  t.ok(startedAt! >= due, 'not before it was due');
  t.notOk(ran.has('in-an-hour'), 'the job an hour away still waits');
  t.equal(await queue.getJobState('in-an-hour'), 'delayed');
});

t.test('under the idle settings a new notification still arrives while the workers wait, and the relay polls less', async (t) => {
  const { app, tokens } = await buildTestApp(t, { workers: true });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address.replace('http', 'ws')}/api/notifications/ws`;
  const client = await connectAuthenticated(url, await tokens.sign('ada', { expiresIn: '1h' }), APP_ORIGIN);
  t.teardown(() => client.socket.close());
  const relay = app.notifications.workers!.relay;
  t.equal(await relay.listening, true, 'LISTEN hears');
  // Two empty polls in a row: the relay has slowed down and the workers have long been idle.
  await until(
    () => relay.pollMs,
    (ms) => ms >= 4_000,
    'the relay to back off',
    DEADLINE_MS,
  );

  const notification = await app.notifications.notify({ userId: 'ada', type: 'NEW_TESTIMONIAL', title: 'idle', message: 'm' });
  const frame = await client.waitFor((f) => (f.data as { id?: string } | undefined)?.id === notification.id, DEADLINE_MS);
  t.equal(frame.name, 'new-notification', 'woken by NOTIFY and the queue marker, not by a poll');
});

t.test('a relay whose LISTEN connection is lost polls at the deaf pace, keeps delivering, and LISTENs again', async (t) => {
  const { app, tokens } = await buildTestApp(t, { workers: true });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address.replace('http', 'ws')}/api/notifications/ws`;
  const client = await connectAuthenticated(url, await tokens.sign('bob', { expiresIn: '1h' }), APP_ORIGIN);
  t.teardown(() => client.socket.close());
  const relay = app.notifications.workers!.relay;
  t.equal(await relay.listening, true);
  const connection = app.notifications.orm.em.getConnection();
  const terminated = await connection.execute(
    `select pg_terminate_backend(pid) as done from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen %'`,
  );
  t.equal(terminated.length, 1, 'the one LISTEN connection is cut');
  await until(
    () => relay.pollMs,
    (ms) => ms === DEAF_LISTEN_POLL_MS,
    'the relay to poll at the deaf pace',
    DEADLINE_MS,
  );

  const notification = await app.notifications.notify({ userId: 'bob', type: 'NEW_TESTIMONIAL', title: 'deaf', message: 'm' });
  const frame = await client.waitFor((f) => (f.data as { id?: string } | undefined)?.id === notification.id, DEADLINE_MS);
  t.equal(frame.name, 'new-notification');

  // Back on LISTEN, the relay slows down again, and NOTIFY still wakes it.
  await until(
    () =>
      connection.execute(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`,
      ),
    (rows) => rows[0]?.n === 1,
    'a new LISTEN connection',
    DEADLINE_MS,
  );
  await until(
    () => relay.pollMs,
    (ms) => ms >= 4_000,
    'the relay to back off again',
    DEADLINE_MS,
  );
  const later = await app.notifications.notify({ userId: 'bob', type: 'NEW_TESTIMONIAL', title: 'heard', message: 'm' });
  await client.waitFor((f) => (f.data as { id?: string } | undefined)?.id === later.id, DEADLINE_MS);
});
