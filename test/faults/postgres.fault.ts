import t from 'tap';
import { startScenario } from './harness.js';

// Postgres "restarted" in the middle of a flood. The machine's Postgres cluster is shared with
// every other test run, so it is not restarted: what its clients see of a restart is reproduced
// instead. First every session of the scenario's database is ended with pg_terminate_backend
// (the "terminating connection due to administrator command" a fast shutdown sends), then the
// TCP proxy that the API and the worker processes reach Postgres through refuses connections,
// as a server that is starting up does, until the producer has failed a few batches; then it
// accepts them again. Only this scenario's database and connections are touched.

t.test('Postgres restarted in the middle of a flood', async (t) => {
  const s = await startScenario(t, { postgresProxy: true, dailyLimit: 20 });
  await s.spawnWorker();
  const flood = s.flood(800, { batch: 50, pauseMs: 100, tolerateErrors: true });
  await s.waitUntil(
    async () => s.received(),
    (n) => n >= 150,
    'the first deliveries',
    60_000,
  );

  await s.observer.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  await s.proxy!.cut();
  const failedBefore = s.floodFailures();
  await s.waitUntil(
    async () => s.floodFailures(),
    (n) => n >= failedBefore + 3,
    'the producer failing while Postgres is away',
    60_000,
  );
  await s.proxy!.restore();

  await flood;
  t.ok(s.floodFailures() > 0, `${s.floodFailures()} batches failed while Postgres was away (not committed, or not known to be)`);
  await s.assertInvariants(t, 120_000);
});
