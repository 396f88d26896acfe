import t, { type Test } from 'tap';
import pg from 'pg';
import { startScenario, type Scenario } from './harness.js';

// SIGKILL and SIGTERM of worker processes (relay, notification worker, email worker: one process
// holds them all, as `npm run start:workers` does), at chosen moments, in the middle of a flood.

/** A second session that holds row locks, so a worker stops at an exact statement. */
async function lockHolder(t: Test, s: Scenario): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: s.test.db.url });
  holder.on('error', () => {});
  await holder.connect();
  t.teardown(() => holder.end().catch(() => undefined));
  return holder;
}

/** The backend of a worker waiting on a lock in a statement starting with `statement`. */
async function blockedOn(s: Scenario, statement: string, what: string): Promise<number> {
  const [backend] = await s.waitUntil(
    async () =>
      (await s.backends()).filter(
        (row) => row.wait_event_type === 'Lock' && row.query.trim().toLowerCase().startsWith(statement.toLowerCase()),
      ),
    (rows) => rows.length === 1,
    what,
    60_000,
  );
  return backend!.pid;
}

/** Postgres notices a dead client only at its next read: end its session so its locks go with it. */
const terminate = (s: Scenario, pid: number) => s.observer.query('select pg_terminate_backend($1)', [pid]);

t.test('SIGKILL of the worker process twice in the middle of a flood', async (t) => {
  const s = await startScenario(t);
  const first = await s.spawnWorker();
  const flood = s.flood(600, { batch: 50, pauseMs: 100 });
  await s.waitUntil(
    async () => s.received(),
    (n) => n >= 100,
    'the first deliveries',
    60_000,
  );
  await s.kill(first);
  const second = await s.spawnWorker();
  await s.waitUntil(
    async () => s.received(),
    (n) => n >= 300,
    'deliveries after the first kill',
    60_000,
  );
  await s.kill(second);
  await flood;
  await s.spawnWorker();
  // Rows the killed relays had claimed come back when their 30 s lease ends.
  await s.assertInvariants(t, 120_000);
});

t.test('SIGKILL of the relay after it published a batch and before it marked it', async (t) => {
  const s = await startScenario(t);
  const holder = await lockHolder(t, s);
  const first = await s.spawnWorker();
  // Writes to Redis wait: the relay claims the batch in Postgres, then stops at the real-time publish.
  await s.admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
  // notify() drops its recipients' cached unread counts in Redis after the commit: it returns once
  // the pause ends, while the relay already holds the committed rows.
  const flooded = s.flood(200, { batch: 200 });
  await s.waitUntil(
    () => s.count(`select count(*)::int as count from tresta_outbox where status = 'pending' and claimed_at is not null`),
    (n) => n === 200,
    'the relay to claim the batch',
  );
  // Hold the claimed rows, let the publish through: the relay then waits to mark them.
  await holder.query('begin');
  await holder.query(`select id from tresta_outbox where status = 'pending' for update`);
  await s.admin.call('CLIENT', 'UNPAUSE');
  await flooded;
  await blockedOn(s, 'update tresta_outbox set status = case', 'the relay blocked on marking its batch');
  await s.kill(first);
  // The dead process's jobs may wait on the held rows too (a finished job marks its row published):
  // their sessions go with the relay's, before the rows are let go.
  const blocked = (await s.backends()).filter(
    (row) => row.wait_event_type === 'Lock' && row.query.trim().toLowerCase().startsWith('update tresta_outbox'),
  );
  for (const backend of blocked) await terminate(s, backend.pid);
  await holder.query('rollback');
  t.equal(
    await s.count(`select count(*)::int as count from tresta_outbox where status = 'pending'`),
    200,
    'the batch was published but never marked',
  );
  await s.spawnWorker();
  // The new relay claims the rows again once the dead one's lease ends and publishes them again
  // (clients keep one per id), and enqueues their jobs: the job ids are the same, so nothing runs twice.
  await s.assertInvariants(t, 120_000);
});

t.test('SIGKILL of the email worker after the provider accepted, then again on the same job before its call', async (t) => {
  let victimKey = '';
  let holder: pg.Client | null = null;
  let held = false;
  // The victim's first answer leaves the provider only once the test holds its delivery row: the
  // worker's "sent" update then waits, and the worker dies between the provider's answer and the ack.
  const s = await startScenario(t, {
    resendHooks: {
      beforeAnswer: async (email) => {
        if (held || email.idempotencyKey !== victimKey) return;
        held = true;
        await holder!.query('begin');
        await holder!.query('select id from tresta_email_deliveries where idempotency_key = $1 for update', [victimKey]);
      },
    },
  });
  holder = await lockHolder(t, s);
  const first = await s.spawnWorker();
  const victim = await s.app.notifications.notify({ userId: 'user_000', type: 'SECURITY_ALERT', title: 'victim', message: 'm' });
  victimKey = `notification-email/${victim.id}`;
  const flood = s.flood(200, { batch: 50, pauseMs: 50 });

  const afterCall = await blockedOn(s, 'update tresta_email_deliveries', 'the worker blocked after the provider answered');
  await s.kill(first);
  await terminate(s, afterCall);
  t.equal(s.resend.sent.filter((email) => email.idempotencyKey === victimKey).length, 1, 'the provider accepted it once');

  // The row stays held: the next worker to take the job over stops at its first statement, before the call.
  const second = await s.spawnWorker();
  const beforeCall = await blockedOn(s, 'insert into tresta_email_deliveries', 'the next worker blocked before its call');
  await s.kill(second);
  await terminate(s, beforeCall);
  await holder.query('rollback');
  await flood;

  await s.spawnWorker();
  await s.assertInvariants(t, 120_000);
  t.equal(s.resend.sent.filter((email) => email.idempotencyKey === victimKey).length, 1, 'one email for the twice-killed job');

  // BullMQ's default would fail a job on its second stall (maxStalledCount 1): the twice-killed job
  // would end as a dead letter though the provider had sent it, and every delivery both dead
  // processes held with it. The workers allow three stalls (plugin/jobs/runtime.ts, MAX_STALLS).
  t.equal(await s.count('select count(*)::int as count from tresta_dead_letters'), 0, 'no job was given up on');
  const calls = s.resend.calls.filter((call) => call.idempotencyKey === victimKey);
  t.equal(new Set(calls.map((call) => call.bodyHash)).size, 1, `${calls.length} calls, the same bytes each time`);
});

t.test('SIGKILL of the email worker after its quota reservation, before the provider call', async (t) => {
  const s = await startScenario(t, { dailyLimit: 20 });
  const holder = await lockHolder(t, s);
  // The victim's address takes 1.5 s to resolve: long enough for the test to take its row's lock.
  const env = { FAULT_SLOW_RECIPIENT: 'victim', FAULT_RECIPIENT_DELAY_MS: '1500' };
  const first = await s.spawnWorker({ env });
  const victim = await s.app.notifications.notify({ userId: 'victim', type: 'FAULT_NORMAL', title: 'victim', message: 'm' });
  const flood = s.flood(300, { batch: 50, pauseMs: 50 });
  await s.waitUntil(
    () => s.count('select count(*)::int as count from tresta_email_deliveries where notification_id = $1', [victim.id]),
    (n) => n === 1,
    "the victim's delivery row",
  );
  await holder.query('begin');
  await holder.query('select id from tresta_email_deliveries where notification_id = $1 for update', [victim.id]);
  // The quota is reserved in Redis; recording it on the row waits for the lock.
  const pid = await blockedOn(s, 'update tresta_email_deliveries', 'the worker blocked between its reservation and the call');
  await s.kill(first);
  await terminate(s, pid);
  await holder.query('rollback');
  t.equal(
    s.resend.calls.filter((call) => call.idempotencyKey === `notification-email/${victim.id}`).length,
    0,
    'the provider was never called',
  );
  await flood;

  await s.spawnWorker({ env });
  await s.assertInvariants(t, 120_000);
  // The reservation is keyed by the email: the retry did not take a second place in the budget.
  const today = new Date().toISOString().slice(0, 10);
  // The day's counter holds every email, critical included (the provider's cap counts them all).
  const sentToday = await s.count(
    `select count(*)::int as count from tresta_email_deliveries where status = 'sent' and quota_date = $1::date`,
    [today],
  );
  t.equal(Number(await s.admin.get(`${s.prefix}:email:quota:${today}`)), sentToday, 'the budget counted each email once');
  // Critical email is never refused; normal email stays within the limit (less the critical reserve).
  const normalSent = await s.count(
    `select count(*)::int as count from tresta_email_deliveries where priority = 'normal' and status = 'sent' and quota_date = $1::date`,
    [today],
  );
  t.ok(normalSent <= s.dailyLimit, `${normalSent} normal emails sent within the daily limit of ${s.dailyLimit}`);
});

t.test('SIGTERM during active jobs drains them and exits cleanly', async (t) => {
  const s = await startScenario(t);
  // The real plugin/worker/main.ts, as `npm run start:workers` runs it.
  const first = await s.spawnWorker({ entry: 'main' });
  // Every provider answer takes a second: email jobs are active when the signal comes.
  s.gate.delay(1_000, 1_000);
  const flood = s.flood(400, { batch: 50, pauseMs: 50, normal: false });
  await s.waitUntil(
    async () => (await s.queue('emails').getJobCounts('active')).active ?? 0,
    (active) => active > 0,
    'email jobs in progress',
    60_000,
  );
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'the worker drained and exited with 0');
  const counts = await s.queue('emails').getJobCounts('active');
  t.equal(counts.active, 0, 'no job was left active (nothing for the stalled check to take over)');
  await flood;
  s.gate.clear();
  await s.spawnWorker({ entry: 'main' });
  await s.assertInvariants(t, 120_000);
});
