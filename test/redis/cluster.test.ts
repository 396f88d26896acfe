import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import t, { type Test } from 'tap';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { createResendFake, RESEND_KEY } from '../fakes/resend.js';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { startPrivateRedisCluster, type PrivateRedisCluster } from '../helpers/private-redis-cluster.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { connectAuthenticated } from '../helpers/ws-client.js';
import { at, recipientOf, seedNotifications } from '../jobs/scheduled/helpers.js';

// On a port of its own: msw would also catch the test's WebSocket upgrades.
const resend = createResendFake();
const { baseUrl: resendUrl, server: resendServer } = await resend.listen();
t.teardown(() => resendServer.close());

// One cluster for the whole file: three private masters, no replicas.
let cluster: PrivateRedisCluster;
t.before(async () => {
  cluster = await startPrivateRedisCluster();
});
t.teardown(() => cluster.stop());

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

/** Two API instances of one deployment on the cluster; A runs the workers, clients connect to B. */
async function onTheCluster(t: Test, overrides: Record<string, unknown> = {}) {
  const prefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  const redis = { cluster: { nodes: cluster.nodes }, prefix };
  const a = await buildTestApp(t, {
    workers: true,
    redis,
    email: { resendApiKey: RESEND_KEY, enabled: true, baseUrl: resendUrl, resolveRecipient: recipientOf },
    ...overrides,
  });
  const b = await buildSecondInstance(t, a, { redis, appUrl: APP_ORIGIN, ...overrides });
  const address = await b.listen({ port: 0, host: '127.0.0.1' });
  return { a, b, prefix, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

/** Every key under `prefix`, by the master that holds it. */
async function keysByMaster(prefix: string): Promise<string[][]> {
  return Promise.all(
    cluster.masters().map(async (master) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await master.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      return found;
    }),
  );
}

t.test(
  'on a cluster: queues, fan-out between instances, an immediate email through the quota script, the shared rate limit',
  async (t) => {
    const { a, b, prefix, wsUrl } = await onTheCluster(t, { apiRateLimitPerMinute: 4 });
    const client = await connectAuthenticated(wsUrl, await a.tokens.sign('ada', { expiresIn: '1h' }), APP_ORIGIN);

    // Made on B, queued and delivered by A's workers, published on one master, heard by B's subscriber.
    const sent = await b.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'm' });
    t.match(await client.waitFor((frame) => frame.name === 'new-notification'), { data: { id: sent.id, title: 'New sign-in' } });

    const emails = await until(
      () => resend.sent.filter((email) => email.idempotencyKey === `notification-email/${sent.id}`),
      (found) => found.length === 1,
      'the security alert email',
    );
    t.equal(emails[0]?.body.to, 'ada@example.test', 'the critical email went out once');
    await until(
      async () => {
        const rows = await a.app.notifications.orm.em
          .getConnection()
          .execute<Array<{ status: string }>>('select status from tresta_email_deliveries where notification_id = ?', [sent.id]);
        return rows[0]?.status;
      },
      (status) => status === 'sent',
      'the delivery recorded sent',
    );
    t.pass('the quota script reserved the email and its delivery is recorded sent');
    const metrics = await a.app.inject({
      method: 'GET',
      url: '/admin/metrics',
      headers: await a.authFor('root', { role: 'admin' }),
    });
    t.equal(metrics.statusCode, 200, 'the admin metrics read the counters and queues on the cluster');

    // The unread count: stored by its script (both of a user's keys in one slot), dropped by B's write.
    const ada = await a.authFor('ada');
    const countOn = async (app: typeof b) =>
      (await app.inject({ url: '/api/notifications/unread-count', headers: ada })).json().count as number;
    t.equal(await countOn(a.app), 1, 'the unread count');
    t.equal(await a.app.notifications.redis.get(`${prefix}:{unread:ada}:count`), '1', "cached under the user's hash tag");
    const read = await b.inject({
      method: 'PATCH',
      url: `/api/notifications/${sent.id}`,
      headers: ada,
      payload: { isRead: true },
    });
    t.equal(read.statusCode, 200);
    t.equal(await countOn(a.app), 0, 'the read, made on the other instance, is counted');

    // Four requests per minute, counted once for both instances: exact on one instance, and the
    // other admits at most the documented overshoot ((2 − 1) × 1 here) before it refuses too.
    const headers = await a.authFor('bea');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await a.app.inject({ method: 'GET', url: '/api/notifications', headers })).statusCode);
    }
    t.same(statuses, [200, 200, 200, 200, 429], 'the fifth request is limited');
    const onB: number[] = [];
    await until(
      async () => {
        onB.push((await b.inject({ method: 'GET', url: '/api/notifications', headers })).statusCode);
        return onB;
      },
      (seen) => seen.at(-1) === 429,
      'the other instance to refuse',
    );
    t.ok(onB.filter((status) => status === 200).length <= 1, `the other instance admitted at most one more (${onB.join(', ')})`);
  },
);

t.test('on a cluster: a digest run sends each user one digest', async (t) => {
  const { a } = await onTheCluster(t);
  const before = at('2030-01-07T15:00:00Z');
  await seedNotifications(a.app, [
    { userId: 'dora', createdAt: before },
    { userId: 'dora', createdAt: before },
    { userId: 'emil', createdAt: before },
  ]);
  const run = await a.app.notifications.workers!.scheduled.runJob('digest', { now: at('2030-01-08T09:00:00Z') });
  t.match(run, { status: 'completed', outcome: { sent: 2 } });
  for (const user of ['dora', 'emil']) {
    await until(
      () => resend.sent.filter((email) => email.idempotencyKey === `digest/${user}/2030-01-08`),
      (found) => found.length === 1,
      `${user}'s digest`,
    );
  }
  t.pass('both digests went out, once each');
});

t.test("on a cluster the plugin's keys spread over the masters, each queue's keys in one slot", async (t) => {
  const { a, prefix } = await onTheCluster(t);
  await a.app.notifications.notifyMany(
    Array.from({ length: 20 }, (_, i) => ({ userId: `user_${i}`, type: 'SECURITY_ALERT', title: 't', message: 'm' })),
  );
  await until(
    () => a.app.notifications.queues[QUEUES.notifications]!.getJobCounts('completed'),
    (counts) => (counts.completed ?? 0) >= 20,
    'twenty deliveries completed',
  );
  const byMaster = await keysByMaster(prefix);
  t.ok(
    byMaster.filter((keys) => keys.length > 0).length >= 2,
    `keys on more than one master (${byMaster.map((k) => k.length).join(', ')})`,
  );
  for (const queue of [QUEUES.notifications, QUEUES.emails, QUEUES.scheduled]) {
    const holders = byMaster.filter((keys) => keys.some((key) => key.startsWith(`${prefix}:{${queue}}:`)));
    t.equal(holders.length, 1, `the ${queue} queue's keys sit on one master`);
  }
});

t.test("a host's own ioredis Cluster serves the plugin and is left open on close", async (t) => {
  const hostCluster = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: Number(new URL(node).port) })));
  t.teardown(() => hostCluster.disconnect());
  const prefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  const { app } = await buildTestApp(t, { workers: true, redis: { connection: hostCluster, prefix } });
  const sent = await app.notifications.notify({ userId: 'fritz', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  await until(
    async () => {
      const [row] = await app.notifications.orm.em
        .getConnection()
        .execute<Array<{ delivered: boolean }>>(
          "select status = 'published' as delivered from tresta_outbox where notification_id = ?",
          [sent.id],
        );
      return row?.delivered;
    },
    (delivered) => delivered === true,
    'the notification delivered',
  );
  await app.close();
  t.equal(await hostCluster.ping(), 'PONG', "the host's cluster connection is still open");
});
