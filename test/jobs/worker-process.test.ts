import t, { type Test } from 'tap';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { spawnWorker } from '../helpers/worker-child.js';
import { connectAuthenticated, type TestClient } from '../helpers/ws-client.js';

const USERS = 20;
const FLOOD = 2_000;

/** API instance A (where the clients connect), API instance B (where notifications are produced). */
async function twoInstances(t: Test) {
  const a = await buildTestApp(t, { workers: false });
  const b = await buildSecondInstance(t, a);
  const address = await a.app.listen({ port: 0, host: '127.0.0.1' });
  return { a, b, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

t.test('a client on instance A receives what instance B produced, delivered by a worker process', async (t) => {
  const { a, b, wsUrl } = await twoInstances(t);
  const worker = spawnWorker({ databaseUrl: a.db.url, redisUrl: REDIS_URL, prefix: a.redisPrefix });
  t.teardown(() => void worker.child.kill('SIGKILL'));
  await worker.started;

  const client = await connectAuthenticated(wsUrl, await a.tokens.sign('ada'), APP_ORIGIN);
  const sent = await b.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'm' });
  t.match(await client.waitFor((f) => f.name === 'new-notification'), { data: { id: sent.id, title: 'New sign-in' } });

  worker.child.kill('SIGTERM');
  t.equal(await worker.exited, 0, 'SIGTERM drains and exits cleanly');
});

t.test('SIGKILL of the worker process in the middle of a flood loses nothing', async (t) => {
  const { a, b, wsUrl } = await twoInstances(t);
  const clients = new Map<string, TestClient>();
  for (let i = 0; i < USERS; i++)
    clients.set(
      `user_${i}`,
      await connectAuthenticated(wsUrl, await a.tokens.sign(`user_${i}`, { expiresIn: '1h' }), APP_ORIGIN),
    );
  const received = () =>
    [...clients.values()].reduce((sum, client) => sum + client.frames.filter((f) => f.name === 'new-notification').length, 0);

  const first = spawnWorker({ databaseUrl: a.db.url, redisUrl: REDIS_URL, prefix: a.redisPrefix });
  t.teardown(() => void first.child.kill('SIGKILL'));
  await first.started;

  const expected = new Map<string, Set<string>>([...clients.keys()].map((userId) => [userId, new Set<string>()]));
  for (let batch = 0; batch < FLOOD / 200; batch++) {
    const inputs = Array.from({ length: 200 }, (_, i) => ({
      userId: `user_${i % USERS}`,
      type: 'NEW_TESTIMONIAL',
      title: `#${batch}-${i}`,
      message: 'm',
    }));
    const written = await b.notifications.notifyMany(inputs);
    written.forEach((notification, i) => expected.get(inputs[i]!.userId)!.add(notification.id));
  }
  // Kill it once some, but not all, have gone out.
  const deadline = Date.now() + 30_000;
  while (received() < 100 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = received();
  t.ok(atKill > 0, `the first worker delivered ${atKill} before it was killed`);

  const second = spawnWorker({ databaseUrl: a.db.url, redisUrl: REDIS_URL, prefix: a.redisPrefix });
  t.teardown(() => void second.child.kill('SIGKILL'));
  await second.started;

  // Jobs the killed worker held come back when their lock lapses (BullMQ's stalled-job check);
  // rows its relay had claimed but not enqueued come back when their 30 s lease ends.
  const receivedIds = (client: TestClient) =>
    new Set(client.frames.filter((f) => f.name === 'new-notification').map((f) => (f.data as { id: string }).id));
  await Promise.all(
    [...clients.entries()].map(([userId, client]) =>
      client.waitFor(() => receivedIds(client).size >= expected.get(userId)!.size, 90_000),
    ),
  );
  for (const [userId, client] of clients) {
    t.same(receivedIds(client), expected.get(userId), `${userId} received each of their notifications, and only theirs`);
  }
  const em = a.app.notifications.orm.em.fork();
  const [deadLetters] = await em.execute('select count(*)::int as count from tresta_dead_letters');
  t.equal(deadLetters?.count, 0, 'no job was given up on');
  // Rows the killed relay enqueued but never marked are re-claimed when their lease ends, and
  // marked then (their jobs, already done, are not run again).
  const unpublished = async () =>
    ((await em.execute("select count(*)::int as count from tresta_outbox where status <> 'published'")) as [{ count: number }])[0]
      .count;
  const leaseDeadline = Date.now() + 60_000;
  while ((await unpublished()) > 0 && Date.now() < leaseDeadline) await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(await unpublished(), 0, 'every outbox row was published');
  const total = received();
  t.ok(total >= FLOOD, `${total - FLOOD} duplicates, each carrying an id already seen (clients drop them)`);
});
