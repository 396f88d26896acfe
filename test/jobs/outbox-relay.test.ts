import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { OutboxRelay, type RelayOptions } from '../../plugin/jobs/outbox-relay.js';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { DEFAULT_NOTIFICATION_TYPES } from '../../plugin/notification-types.js';
import type { Publisher } from '../../plugin/realtime/messages.js';
import type { RealtimeMessage } from '../../plugin/contract/index.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { until } from '../helpers/until.js';

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

/** A transport that keeps what it was given, in order. */
function recorder(): Publisher & { published: Array<{ userId: string; message: RealtimeMessage }> } {
  const published: Array<{ userId: string; message: RealtimeMessage }> = [];
  return {
    published,
    publish: async (userId, message) => {
      published.push({ userId, message });
    },
  };
}

const idsOf = (publisher: ReturnType<typeof recorder>) =>
  publisher.published.map(({ message }) => (message.name === 'new-notification' ? message.data.id : ''));

function relayFor(app: FastifyInstance, url: string, queue: Queue, options: Partial<RelayOptions> = {}): OutboxRelay {
  return new OutboxRelay({
    orm: app.notifications.orm,
    direct: { connectionString: url },
    queue,
    fanout: recorder(),
    ably: null,
    types: DEFAULT_NOTIFICATION_TYPES,
    channels: { email: true, push: false },
    counters: null,
    deliveryLatency: null,
    ...options,
  });
}

t.test('two relays over one outbox publish every row exactly once, and queue a job only for what needs one', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);

  const written = [];
  for (let batch = 0; batch < ROWS / 500; batch++) {
    written.push(
      ...(await app.notifications.notifyMany(
        Array.from({ length: 500 }, (_, i) => ({
          userId: `user_${i % 50}`,
          // One in four is emailed at once: it needs a deliver-notification job; the digest type does not.
          type: i % 4 === 0 ? 'TESTIMONIAL_FLAGGED' : 'NEW_TESTIMONIAL',
          title: 't',
          message: 'm',
        })),
      )),
    );
  }
  // Small claims, so the two relays interleave many times over the same rows.
  const publishers = [recorder(), recorder()];
  const relays = publishers.map((fanout) => relayFor(app, db.url, queue, { claimSize: 37, fanout }));
  const moved = [0, 0];
  await Promise.all(
    relays.map(async (relay, index) => {
      for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) moved[index] = (moved[index] ?? 0) + n;
    }),
  );

  t.equal(moved[0]! + moved[1]!, ROWS, 'the two relays together moved every row once');
  t.ok(moved[0]! > 0 && moved[1]! > 0, `both relays took part (${moved[0]} + ${moved[1]})`);
  const published = [...idsOf(publishers[0]!), ...idsOf(publishers[1]!)];
  t.equal(published.length, ROWS, 'one real-time message per notification');
  t.same(new Set(published), new Set(written.map((n) => n.id)), 'each under its notification’s id');
  // notifyMany answers in the order it was given: the k-th notification is user_(k mod 50)'s.
  const owner = new Map(written.map((n, k) => [n.id, `user_${k % 50}`]));
  const misrouted = [...publishers[0]!.published, ...publishers[1]!.published].filter(
    ({ userId, message }) => message.name !== 'new-notification' || owner.get(message.data.id) !== userId,
  );
  t.same(misrouted, [], 'each to its user');

  const flagged = written.filter((n) => n.type === 'TESTIMONIAL_FLAGGED');
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
  t.equal(counts.waiting! + counts.prioritized! + counts.delayed!, flagged.length, 'a job only for the emailed type');
  const jobIds = new Set((await queue.getJobs(['waiting'], 0, ROWS)).map((job) => job.id));
  t.same(jobIds, new Set(flagged.map((n) => `deliver-${n.id}`)), "each job's id is its notification's");
  const statuses = await app.notifications.orm.em
    .fork()
    .execute<Array<{ status: string; count: number }>>(
      'select status, count(*)::int as count from tresta_outbox group by status order by status',
    );
  t.same(
    statuses,
    [
      { status: 'published', count: ROWS - flagged.length },
      { status: 'queued', count: flagged.length },
    ],
    'rows with a job wait queued for it, the others are published',
  );
});

t.test('in-app off, or the notification deleted since: nothing published, the row marked all the same', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);
  const em = app.notifications.orm.em.fork();
  await em.execute(`insert into tresta_notification_preferences (user_id, in_app_enabled) values ('quiet', false)`);
  const [quiet] = await app.notifications.notifyMany([{ userId: 'quiet', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' }]);
  const [deleted] = await app.notifications.notifyMany([
    { userId: 'gone', type: 'TESTIMONIAL_FLAGGED', title: 't', message: 'm' },
  ]);
  const [shown] = await app.notifications.notifyMany([{ userId: 'shown', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' }]);
  await em.execute('delete from tresta_notifications where id = ?', [deleted!.id]);
  const fanout = recorder();
  t.equal(await relayFor(app, db.url, queue, { fanout }).relayOnce(), 3);
  t.same(idsOf(fanout), [shown!.id], 'only the notification shown in-app');
  const rows = await em.execute<Array<{ notification_id: string; status: string }>>(
    'select notification_id, status from tresta_outbox',
  );
  t.ok(
    rows.every((row) => row.status === 'published'),
    'every row published',
  );
  t.equal(rows.length, 3);
  t.equal((await queue.getJobCounts('waiting')).waiting, 0, 'no job for a deleted notification');
  t.notOk(idsOf(fanout).includes(quiet!.id), 'in-app off: not shown');
});

t.test('a relay that dies after publishing, before marking: the next one publishes the same id again', async (t) => {
  const { app, db } = await buildTestApp(t);
  const queue = testQueue(t);
  const sent = await app.notifications.notify({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const em = app.notifications.orm.em.fork();
  // The first relay's Ably publish never answers: its batch is published to the WebSocket fan-out
  // and never marked, as if the process died there.
  let release: () => void = () => {};
  const hanging: Publisher = { publish: () => new Promise<void>((resolve) => (release = resolve)) };
  const first = recorder();
  const stuck = relayFor(app, db.url, queue, { fanout: first, ably: hanging }).relayOnce();
  await until(
    async () => idsOf(first),
    (ids) => ids.length === 1,
    'the first publish',
  );
  const [claimed] = await em.execute<Array<{ status: string }>>('select status from tresta_outbox');
  t.equal(claimed?.status, 'pending', 'not marked while Ably has not answered');
  // Its lease runs out.
  await em.execute("update tresta_outbox set claimed_at = now() - interval '1 hour'");
  const second = recorder();
  t.equal(
    await relayFor(app, db.url, queue, { fanout: second, leaseSeconds: 30 }).relayOnce(),
    1,
    'the next relay takes it over',
  );
  t.same(idsOf(second), [sent.id], 'and publishes the same id again (clients drop the duplicate)');
  release();
  t.equal(await stuck, 1);
  const [row] = await em.execute('select status, attempts from tresta_outbox');
  t.match(row, { status: 'published', attempts: 2 }, "the first relay's late mark is fenced off by the new claim");
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
  const relay = relayFor(app, db.url, queue, { cleanupBatchSize: 7 });
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
