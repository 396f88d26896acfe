import t, { type Test } from 'tap';
import { startScenario, type Scenario } from './harness.js';

// Redis loses everything (FLUSHALL, a restart without persistence) or its scripts (SCRIPT FLUSH)
// in the middle of a flood. The scenario's redis-server is its own: nobody else is touched.
// Postgres is the source of truth: delivery resumes by itself, and the re-drive sweeper puts back
// the jobs Redis lost (notifications handed to the queue but never delivered).

/** Notifications committed so far (the producer keeps going whatever Redis does). */
const committed = (s: Scenario) => s.count('select count(*)::int as count from tresta_notifications');

/** The flood, the fault once some of it has been delivered, then the sweeper and the invariants. */
async function faultMidFlood(t: Test, s: Scenario, fault: () => Promise<void>) {
  await s.spawnWorker();
  const flood = s.flood(800, { batch: 50, pauseMs: 100 });
  await s.waitUntil(
    async () => s.received(),
    (n) => n >= 150,
    'the first deliveries',
    60_000,
  );
  await fault();
  const atFault = s.received();
  await flood;
  await s.waitUntil(
    async () => s.received(),
    (n) => n > atFault,
    'delivery resuming after the fault',
    60_000,
  );
  // Whatever the outbox still held goes through the normal path first.
  await s.waitUntil(
    () => s.count(`select count(*)::int as count from tresta_outbox where status = 'pending'`),
    (n) => n === 0,
    'the outbox drained',
    60_000,
  );
  const swept = await s.redrive();
  t.pass(`the sweeper re-drove ${swept.notifications} notifications and ${swept.lostEmails} emails whose jobs Redis lost`);
  await s.assertInvariants(t, 120_000);
}

t.test('FLUSHALL in the middle of a flood', async (t) => {
  const s = await startScenario(t, { dailyLimit: 20 });
  await faultMidFlood(t, s, async () => {
    await s.admin.flushall();
  });
});

t.test('SCRIPT FLUSH in the middle of a flood', async (t) => {
  const s = await startScenario(t, { dailyLimit: 20 });
  await faultMidFlood(t, s, async () => {
    await s.admin.script('FLUSH');
  });
});

t.test('Redis restarted (without persistence) in the middle of a flood', async (t) => {
  const s = await startScenario(t, { dailyLimit: 20 });
  await faultMidFlood(t, s, async () => {
    await s.redis.stop();
    // Down while the producer commits another hundred notifications (notify() never waits on Redis).
    const before = await committed(s);
    await s.waitUntil(
      () => committed(s),
      (n) => n >= before + 100,
      'notifications committed while Redis is down',
      60_000,
    );
    await s.redis.start();
  });
});
