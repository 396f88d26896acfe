import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import trestaNotifications from '../../plugin/index.js';
import { recordDeadLetter } from '../../plugin/jobs/dead-letters.js';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';
import { until } from '../helpers/until.js';

const tokens = await createTokenKit();
const auth = async (userId: string, claims = {}) => ({ authorization: `Bearer ${await tokens.sign(userId, claims)}` });

async function dataFolder(t: Test): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tresta-pglite-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

/** A host app on an embedded database; the caller closes it (a restart is part of a test). */
async function startApp(databaseUrl: string, redisPrefix: string): Promise<FastifyInstance> {
  // A new embedded database runs initdb first: seconds, more on a busy machine.
  const app = Fastify({ pluginTimeout: 120_000 });
  await app.register(trestaNotifications, {
    database: { url: databaseUrl },
    redis: { url: REDIS_URL, prefix: redisPrefix },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: APP_ORIGIN,
    email: { enabled: false, resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }) },
    workers: true,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const prefix = () => `tresta-pglite-${randomBytes(4).toString('hex')}`;
const note = (userId: string, title: string) => ({ userId, type: 'SECURITY_ALERT', title, message: 'From a new device' });

t.test('on pglite://<folder>: notify → outbox → relay → worker → WebSocket, the REST API, email, admin, health', async (t) => {
  const folder = await dataFolder(t);
  const app = await startApp(`pglite://${folder}`, prefix());
  t.teardown(() => app.close());
  const wsUrl = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/api/notifications/ws`;
  const headers = await auth('ada');

  t.match((await app.inject({ url: '/health/ready' })).json(), { status: 'ok' }, 'ready: the embedded database answers');

  const socket = await connectAuthenticated(wsUrl, await tokens.sign('ada'), APP_ORIGIN);
  t.teardown(() => socket.socket.close());
  const sent = await app.notifications.notify(note('ada', 'New sign-in'));
  const frame = await socket.waitFor((f) => f.name === 'new-notification');
  t.match(frame, { data: { id: sent.id, title: 'New sign-in', isRead: false } }, 'the relay woke and the worker published');

  await app.notifications.notify(note('ada', 'Second'));
  const page = (await app.inject({ url: '/api/notifications?limit=1', headers })).json();
  t.match(page.items, [{ type: 'SECURITY_ALERT', title: 'Second' }], 'newest first');
  const next = (await app.inject({ url: `/api/notifications?limit=1&cursor=${page.nextCursor}`, headers })).json();
  t.match(next, { items: [{ id: sent.id, title: 'New sign-in' }], nextCursor: null }, 'the keyset cursor reaches the older one');
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 2 });

  const read = await app.inject({ method: 'PATCH', url: `/api/notifications/${sent.id}`, headers, payload: { isRead: true } });
  t.match(read.json(), { id: sent.id, isRead: true });
  t.match(await socket.waitFor((f) => f.name === 'notifications-read'), { data: { ids: [sent.id], unreadCount: 1 } });
  t.same((await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers })).json(), { updated: 1 });
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 0 });

  const preferences = await app.inject({
    method: 'PUT',
    url: '/api/notifications/preferences',
    headers,
    payload: { digest: 'weekly' },
  });
  t.match(preferences.json(), { digest: 'weekly', emailEnabled: true });

  const em = app.notifications.orm.em.fork();
  const mails = await until(
    () => em.execute<Array<{ to: string; subject: string }>>('select "to", subject from tresta_mailbox order by subject'),
    (rows) => rows.length === 2,
    'both critical emails in the mailbox',
  );
  t.match(mails, [{ to: 'ada@example.test', subject: 'New sign-in' }, { subject: 'Second' }]);

  const admin = await auth('grace', { role: 'admin' });
  // Day counters reach Redis in batches (a quarter of a second after the delivery that counted).
  const metrics = await until(
    async () => (await app.inject({ url: '/admin/metrics', headers: admin })).json(),
    (shown) => shown.notifications.sentToday >= 2,
    "today's deliveries counted",
  );
  t.match(metrics, { notifications: { sentToday: 2 }, outbox: { backlog: 0 }, deadLetters: { total: 0 } });

  const job = { id: `deliver-${sent.id}`, name: 'deliver-notification', data: { notificationId: sent.id, userId: 'ada' } };
  await recordDeadLetter(app.notifications.orm, QUEUES.notifications, job as Job, new Error('boom'));
  const dlq = (await app.inject({ url: '/admin/dlq', headers: admin })).json();
  t.match(dlq, { items: [{ queue: QUEUES.notifications, errorType: 'transient', errorMessage: 'boom' }], nextCursor: null });
  t.match((await app.inject({ url: '/admin/dlq/stats', headers: admin })).json(), { total: 1, byErrorType: { transient: 1 } });
  const requeue = await app.inject({ method: 'POST', url: `/admin/dlq/${dlq.items[0].id}/requeue`, headers: admin });
  t.match(requeue.json(), { alreadyRequeued: false });
  t.equal(await app.notifications.workers!.relay.deletePublished(), 0, 'the cleanup query runs (nothing old enough yet)');
});

t.test('notify() joins the caller’s transaction on the single embedded connection', async (t) => {
  const app = await startApp('pglite://memory', prefix());
  t.teardown(() => app.close());
  const headers = await auth('alan');
  const orm = app.notifications.orm;

  await orm.em.fork().transactional(async (em) => {
    await app.notifications.notify(note('alan', 'Committed'), { em });
  });
  await t.rejects(
    orm.em.fork().transactional(async (em) => {
      await app.notifications.notify(note('alan', 'Rolled back'), { em });
      throw new Error('the business change failed');
    }),
    { message: 'the business change failed' },
  );
  const { items } = (await app.inject({ url: '/api/notifications', headers })).json();
  t.same(
    items.map((n: { title: string }) => n.title),
    ['Committed'],
    'only the committed notification exists',
  );
});

t.test('the data survives a restart on the same folder, which one process holds at a time', async (t) => {
  const folder = await dataFolder(t);
  const url = `pglite://${folder}`;
  const redisPrefix = prefix();
  const first = await startApp(url, redisPrefix);
  const sent = await first.notifications.notify(note('ada', 'Before the restart'));

  const second = Fastify();
  const taken = await second
    .register(trestaNotifications, {
      database: { url },
      redis: { url: REDIS_URL, prefix: redisPrefix },
      auth: { jwt: { publicKey: tokens.publicKeyPem } },
    })
    .ready()
    .then(
      () => null,
      (error: Error & { code?: string }) => error,
    );
  await second.close();
  t.match(taken, { code: 'TRESTA_ERR_OPTIONS_INVALID', message: /"database\.url".*in use by process \d+/ });
  await first.close();

  const restarted = await startApp(url, redisPrefix);
  t.teardown(() => restarted.close());
  const { items } = (await restarted.inject({ url: '/api/notifications', headers: await auth('ada') })).json();
  t.match(items, [{ id: sent.id, title: 'Before the restart' }]);
});

t.test('a pglite URL that names no folder fails register, naming the option', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await t.rejects(
    async () => {
      await app.register(trestaNotifications, {
        database: { url: 'pglite://' },
        redis: { url: REDIS_URL },
        auth: { jwt: { publicKey: tokens.publicKeyPem } },
      });
    },
    { code: 'TRESTA_ERR_OPTIONS_INVALID', message: /"database\.url": must name a folder/ },
  );
});
