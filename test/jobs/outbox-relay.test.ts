import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { OutboxRelay } from '../../plugin/jobs/outbox-relay.js';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';

const ROWS = 2_000;

/** A real BullMQ queue under a private prefix, emptied and closed when the test ends. */
function testQueue(t: Test): Queue {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.notifications, { connection, prefix: `tresta-test-relay-${randomBytes(4).toString('hex')}` });
  t.teardown(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  return queue;
}

t.test('two relays over one outbox enqueue every row exactly once', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);

  const written = [];
  for (let batch = 0; batch < ROWS / 500; batch++) {
    written.push(
      ...(await app.notifications.notifyMany(
        Array.from({ length: 500 }, (_, i) => ({ userId: `user_${i % 50}`, type: 'NEW_TESTIMONIAL', title: 't', message: 'm' })),
      )),
    );
  }
  // Small claims, so the two relays interleave many times over the same rows.
  const relays = [0, 1].map(
    () => new OutboxRelay({ orm: app.notifications.orm, direct: { connectionString: db.url }, queue, claimSize: 37 }),
  );
  const moved = [0, 0];
  await Promise.all(
    relays.map(async (relay, index) => {
      for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) moved[index] = (moved[index] ?? 0) + n;
    }),
  );

  t.equal(moved[0]! + moved[1]!, ROWS, 'the two relays together moved every row once');
  t.ok(moved[0]! > 0 && moved[1]! > 0, `both relays took part (${moved[0]} + ${moved[1]})`);
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
  t.equal(counts.waiting! + counts.prioritized! + counts.delayed!, ROWS, 'one job per row');
  const jobIds = new Set((await queue.getJobs(['waiting'], 0, ROWS)).map((job) => job.id));
  t.same(jobIds, new Set(written.map((n) => `deliver-${n.id}`)), "each job's id is its notification's");
  const [pending] = await app.notifications.orm.em
    .fork()
    .execute("select count(*)::int as count from tresta_outbox where status <> 'published'");
  t.equal(pending?.count, 0, 'every outbox row is marked published');
});

t.test('a claim whose lease expired is taken over by the next relay', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);
  await app.notifications.notify({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const em = app.notifications.orm.em.fork();
  // A relay claimed the row, then died (its claim is older than the lease).
  await em.execute("update tresta_outbox set claimed_at = now() - interval '1 hour', claim_token = gen_random_uuid()");
  const relay = new OutboxRelay({ orm: app.notifications.orm, direct: { connectionString: db.url }, queue, leaseSeconds: 30 });
  t.equal(await relay.relayOnce(), 1, 'the expired claim is taken over');
  const [row] = await em.execute('select status, attempts from tresta_outbox');
  t.match(row, { status: 'published', attempts: 1 });
  t.equal(await relay.relayOnce(), 0, 'nothing left to claim');
});

t.test('published rows are deleted in batches once old enough; pending and recent ones stay', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);
  await app.notifications.notifyMany(
    Array.from({ length: 25 }, () => ({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' })),
  );
  const em = app.notifications.orm.em.fork();
  await em.execute(`update tresta_outbox set status = 'published', published_at = now() - interval '2 hours'
                    where id in (select id from tresta_outbox order by id limit 20)`);
  await em.execute(`update tresta_outbox set status = 'published', published_at = now()
                    where id in (select id from tresta_outbox where status = 'pending' order by id limit 2)`);
  const relay = new OutboxRelay({ orm: app.notifications.orm, direct: { connectionString: db.url }, queue, cleanupBatchSize: 7 });
  t.equal(await relay.deletePublished(), 20, 'the 20 old published rows, in batches of 7');
  const rows = await em.execute<Array<{ status: string; count: number }>>(
    'select status, count(*)::int as count from tresta_outbox group by status order by status',
  );
  t.same(rows, [
    { status: 'pending', count: 3 },
    { status: 'published', count: 2 },
  ]);
  t.equal(await relay.deletePublished(), 0, 'nothing more to delete');
});
