import t from 'tap';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { spawnWorker, type WorkerChild } from '../helpers/worker-child.js';
import { createResendFake, RESEND_KEY } from '../fakes/resend.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

const RECIPIENTS_MODULE = fileURLToPath(new URL('../fixtures/recipients.ts', import.meta.url));

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

t.test('SIGKILL of the email worker after Resend answered, before the job completed: exactly one email', async (t) => {
  const { app, db, redisPrefix } = await buildTestApp(t);
  // Two sessions: one holds the row in a transaction; the other watches (pg_stat_activity is a
  // snapshot per transaction, so the holder could never see the worker start waiting).
  const holder = new pg.Client({ connectionString: db.url });
  const observer = new pg.Client({ connectionString: db.url });
  await Promise.all([holder.connect(), observer.connect()]);
  t.teardown(() => Promise.all([holder.end(), observer.end()]));

  let first: WorkerChild | undefined;
  let held = false;
  // The first answer leaves Resend only once this test holds the delivery row: the worker's
  // "sent" update then waits on it, and the worker dies between the provider's answer and the ack.
  const resend = createResendFake(
    {},
    {
      beforeAnswer: async (email) => {
        if (held) return;
        held = true;
        await holder.query('begin');
        await holder.query('select id from tresta_email_deliveries where idempotency_key = $1 for update', [
          email.idempotencyKey,
        ]);
      },
    },
  );
  const fake = await resend.listen();
  t.teardown(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  const workerEnv = {
    RESEND_API_KEY: RESEND_KEY,
    ENABLE_REAL_EMAILS: 'true',
    RESEND_BASE_URL: fake.baseUrl,
    TRESTA_RECIPIENTS_MODULE: RECIPIENTS_MODULE,
  };
  first = spawnWorker({ databaseUrl: db.url, redisUrl: REDIS_URL, prefix: redisPrefix }, workerEnv);
  t.teardown(() => first?.child.kill('SIGKILL'));
  await first.started;

  const notification = await app.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'Kill me', message: 'm' });
  const key = `notification-email/${notification.id}`;

  // The worker has its answer and is stuck on the "sent" update: find its backend.
  const blocked = await until(
    async () =>
      (
        await observer.query<{ pid: number }>(
          `select pid from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update tresta_email_deliveries%'`,
        )
      ).rows,
    (rows) => rows.length === 1,
    'the worker blocked after the provider answered',
    60_000,
  );
  first.child.kill('SIGKILL');
  await first.exited;
  // Its connection dies with it (Postgres would only notice at its next read), then the row is free.
  await observer.query('select pg_terminate_backend($1)', [blocked[0]!.pid]);
  await holder.query('rollback');
  t.equal(resend.sent.length, 1, 'Resend accepted the email once before the kill');

  const second = spawnWorker({ databaseUrl: db.url, redisUrl: REDIS_URL, prefix: redisPrefix }, workerEnv);
  t.teardown(() => second.child.kill('SIGKILL'));
  await second.started;
  const delivery = await until(
    async () =>
      (
        await observer.query<{ status: string; provider_message_id: string }>(
          'select status, provider_message_id from tresta_email_deliveries where idempotency_key = $1',
          [key],
        )
      ).rows[0],
    (row) => row?.status === 'sent',
    'the stalled job taken over and completed',
    60_000,
  );

  t.equal(resend.sent.length, 1, 'exactly one email at the provider');
  const calls = resend.calls.filter((call) => call.idempotencyKey === key);
  t.ok(calls.length >= 2, `the second worker called again (${calls.length} calls)`);
  t.equal(new Set(calls.map((call) => call.bodyHash)).size, 1, 'with the same bytes every time');
  t.equal(delivery!.provider_message_id, resend.sent[0]!.id, 'and recorded the first send’s id');
  const today = new Date().toISOString().slice(0, 10);
  t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:${today}`), '1', 'counted once');
});
