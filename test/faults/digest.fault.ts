import t, { type Test } from 'tap';
import { digestDueAtAnyHour, seedNotifications } from '../jobs/scheduled/helpers.js';
import { startScenario, type Scenario } from './harness.js';

// The daily digest under the faults schedulers and processes have: the same tick taken by three
// worker processes at once, and a run killed midway then resumed by another process. Driven the
// way test/jobs/scheduled/ drives it: ticks added to the `scheduled` queue with job ids of their own.

/** Users with digest-type notifications from an hour ago, whose digest is due whatever the hour (digestHour 0, UTC). */
async function seedDigestUsers(s: Scenario, users: number): Promise<string[]> {
  const hourAgo = new Date(Date.now() - 3_600_000);
  const ids = Array.from({ length: users }, (_, i) => `digest_${String(i).padStart(4, '0')}`);
  await digestDueAtAnyHour(s.app, ids);
  await seedNotifications(
    s.app,
    ids.flatMap((userId) => [
      { userId, createdAt: hourAgo },
      { userId, type: 'TESTIMONIAL_APPROVED', createdAt: hourAgo },
    ]),
  );
  return ids;
}

/** Each seeded user got exactly one digest, under the period's key (the flood's users may get theirs too). */
function assertOneDigestEach(t: Test, s: Scenario, users: string[]) {
  const today = new Date().toISOString().slice(0, 10);
  const seeded = new Set(users.map((userId) => `digest/${userId}/`));
  const digests = s.resend.sent.filter((email) => seeded.has(email.idempotencyKey?.replace(/[^/]+$/, '') ?? ''));
  const byRecipient = new Map<string, number>();
  for (const email of digests) {
    const to = String(email.body.to);
    byRecipient.set(to, (byRecipient.get(to) ?? 0) + 1);
  }
  const twice = [...byRecipient].filter(([, n]) => n > 1);
  t.same(twice, [], 'nobody got two digests');
  t.equal(byRecipient.size, users.length, `all ${users.length} users got one`);
  t.ok(
    digests.every((email) => email.idempotencyKey === `digest/${/^([^@]+)@/.exec(String(email.body.to))?.[1]}/${today}`),
    "each under its user's key for the day",
  );
}

type TickResult = { status: string; outcome?: Record<string, number> };

const tickResult = async (s: Scenario, jobId: string) =>
  (await s.queue('scheduled').getJob(jobId))?.returnvalue as TickResult | null;

/** Where a tick's job stands: enough to explain a run that never finished when the wait times out. */
async function tickState(s: Scenario, jobId: string) {
  // The state first: a job read before it finished would carry no result beside a "completed" read after.
  const state = await s.queue('scheduled').getJobState(jobId);
  const job = await s.queue('scheduled').getJob(jobId);
  if (!job) return { jobId, state };
  return {
    jobId,
    state,
    attemptsMade: job.attemptsMade,
    stalled: job.stalledCounter,
    failedReason: job.failedReason,
    result: job.returnvalue as TickResult | null,
  };
}

t.test('three worker processes take the same digest tick: one digest per user', async (t) => {
  const s = await startScenario(t, { users: 2, clientsPerUser: 1, dailyLimit: 5_000 });
  const users = await seedDigestUsers(s, 100);
  await Promise.all([s.spawnWorker(), s.spawnWorker(), s.spawnWorker()]);
  // Live traffic at the same time (its users' digests may go in this run or the next: not counted here).
  const flood = s.flood(100);
  const ticks = ['a', 'b', 'c'].map((id) => `tick-${id}`);
  await s.queue('scheduled').addBulk(ticks.map((jobId) => ({ name: 'digest', data: {}, opts: { jobId } })));
  // Under a loaded machine a run may be retried (a lapsed lock, a refused connection): wait until
  // each tick has finished for good, either way, and say where each stands if one never does.
  const states = await s.waitUntil(
    () => Promise.all(ticks.map((jobId) => tickState(s, jobId))),
    (values) => values.every(({ state }) => state === 'completed' || state === 'failed'),
    'the three ticks',
    180_000,
  );
  t.same(
    states.filter(({ state }) => state !== 'completed'),
    [],
    'every tick completed',
  );
  const results = states.map(({ result }) => result);
  t.equal(results.filter((result) => result!.status === 'completed').length, 1, 'one run did the work');
  t.ok(
    results.every((result) => ['completed', 'busy', 'already-completed'].includes(result!.status)),
    `the others were turned away: ${results.map((result) => result!.status).join(', ')}`,
  );
  await flood;
  await s.assertInvariants(t, 120_000);
  assertOneDigestEach(t, s, users);
});

t.test('a digest run killed midway and resumed by another process: nobody twice', async (t) => {
  const s = await startScenario(t, { users: 2, clientsPerUser: 1, dailyLimit: 5_000 });
  const users = await seedDigestUsers(s, 1_100);
  // Each chunk of 500 users waits 1.5 s on its addresses: time to be killed between chunks.
  const env = { FAULT_RECIPIENT_DELAY_MS: '1500' };
  const first = await s.spawnWorker({ env });
  await s.queue('scheduled').add('digest', {}, { jobId: 'tick-killed' });
  await s.waitUntil(
    async () => s.resend.sent.length,
    (n) => n > 0,
    'the first digests going out',
    60_000,
  );
  await s.kill(first);
  const claimedAtKill = await s.count('select count(*)::int as count from tresta_digest_runs');
  t.ok(claimedAtKill < users.length, `killed midway: ${claimedAtKill} of ${users.length} claimed, ${s.resend.sent.length} sent`);

  // The killed run's job comes back when its lock lapses and resumes under the same id.
  await s.spawnWorker({ env });
  const result = await s.waitUntil(() => tickResult(s, 'tick-killed'), Boolean, 'the resumed run', 120_000);
  t.match(result, { status: 'completed', outcome: { carried: 0 } });
  await s.assertInvariants(t, 120_000);
  assertOneDigestEach(t, s, users);
  const [run] = (await s.observer.query("select status, attempts from tresta_job_runs where job = 'digest'")).rows;
  t.match(run, { status: 'finished', attempts: 2 }, 'one period, two attempts');
});
