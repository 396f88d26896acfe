import t from 'tap';
import { setupServer } from 'msw/node';
import { buildTestApp } from '../helpers/app.js';
import { createAblyFake } from '../fakes/ably.js';
import { until } from '../helpers/until.js';
import { Queue } from 'bullmq';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const ABLY_KEY = 'appid.keyid:s3cr3t';
const ably = createAblyFake(ABLY_KEY);
const server = setupServer(ably.handler);
// The test's own WebSocket client reaches the app on 127.0.0.1; anything else unhandled is an error.
server.listen({
  onUnhandledRequest: (request, print) => {
    if (new URL(request.url).hostname !== '127.0.0.1') print.error();
  },
});
t.teardown(() => server.close());

async function waitUntil(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; requests: ${JSON.stringify(ably.requests)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('a new notification is published to the user’s Ably channel, with its id as the message id', async (t) => {
  const { app } = await buildTestApp(t, { workers: true, realtime: { ablyApiKey: ABLY_KEY } });
  const sent = await app.notifications.notify({
    userId: 'user_ably',
    type: 'SECURITY_ALERT',
    title: 'New sign-in',
    message: 'm',
  });
  await waitUntil(() => ably.delivered.has(sent.id), 'the publish');
  const request = ably.requests.find((r) => r.messages.some((m) => m.id === sent.id))!;
  t.equal(request.channel, 'notifications:user_ably');
  t.equal(request.authorization, `Basic ${Buffer.from(ABLY_KEY).toString('base64')}`, 'Basic auth with the key');
  t.match(request.contentType, /application\/json/, 'JSON, not msgpack');
  const [message] = request.messages;
  t.equal(message?.name, 'new-notification');
  t.equal(message?.encoding, 'json', 'data is JSON-encoded');
  t.match(JSON.parse(message!.data), { id: sent.id, title: 'New sign-in', isRead: false });
});

t.test('Ably failing: the WebSocket client has the notification at once, Ably gets it after the failures', async (t) => {
  const { app, tokens, redisPrefix } = await buildTestApp(t, { workers: true, realtime: { ablyApiKey: ABLY_KEY } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await tokens.sign('user_retry', { expiresIn: '1h' }),
    APP_ORIGIN,
  );
  const queue = new Queue(QUEUES.notifications, { connection: { url: REDIS_URL }, prefix: redisPrefix });
  t.teardown(async () => {
    ably.failNextRequests(0);
    await queue.close();
  });
  const before = ably.requests.length;
  // Every request fails until the test says otherwise: no timing decides what the test sees.
  ably.failNextRequests(1_000_000);
  // A digest type: nothing but the failed Ably publish gives it a deliver-notification job.
  const sent = await app.notifications.notify({ userId: 'user_retry', type: 'NEW_TESTIMONIAL', title: 'Retry me', message: 'm' });
  const frames = () =>
    client.frames.filter((frame) => frame.name === 'new-notification' && (frame.data as { id: string }).id === sent.id);
  await until(
    async () => frames().length,
    (count) => count === 1,
    'the WebSocket message',
  );
  t.notOk(ably.delivered.has(sent.id), 'the WebSocket did not wait for Ably, which has failed every publish so far');
  const em = app.notifications.orm.em.fork();
  const outbox = () =>
    em.execute<Array<{ status: string }>>('select status from tresta_outbox where notification_id = ?', [sent.id]);
  await until(outbox, ([row]) => row?.status === 'queued', 'the failed publish handed to a job');
  await until(
    async () => (await queue.getJob(`deliver-${sent.id}`))?.attemptsMade ?? 0,
    (attempts) => attempts >= 2,
    'two failed attempts of the job, with backoff between them',
  );
  t.notOk(ably.delivered.has(sent.id), 'not on Ably while it fails');

  ably.failNextRequests(0);
  await waitUntil(() => ably.delivered.has(sent.id), 'the retried publish', 30_000);
  const attempts = ably.requests.slice(before).filter((r) => r.messages.some((m) => m.id === sent.id));
  t.ok(attempts.length >= 3, `${attempts.length} attempts reached Ably: the relay's, then the job's`);
  t.ok(
    attempts.every((r) => r.messages[0]?.id === sent.id && r.channel === 'notifications:user_retry'),
    'every attempt carried the same message id, on the user’s channel',
  );
  t.equal([...ably.delivered.keys()].filter((id) => id === sent.id).length, 1, 'delivered once');
  await until(outbox, ([row]) => row?.status === 'published', 'the job done, the outbox row published');
  t.equal(frames().length, 1, 'the retries went to Ably only: one WebSocket message');
});

t.test('ENABLE_REAL_NOTIFICATIONS=false: nothing is published to Ably, nothing is offered', async (t) => {
  const { app, authFor } = await buildTestApp(t, { workers: true, realtime: { ablyApiKey: ABLY_KEY, enabled: false } });
  const before = ably.requests.length;
  const headers = await authFor('quiet_user');
  const realtime = (await app.inject({ url: '/api/notifications/realtime', headers })).json();
  t.same(realtime.transports, ['websocket', 'polling']);
  t.notOk(realtime.ably);
  // Delivery happened (the WebSocket path ran) when the outbox row is published and the job done.
  const sent = await app.notifications.notify({ userId: 'quiet_user', type: 'SECURITY_ALERT', title: 't', message: 'm' });
  const em = app.notifications.orm.em.fork();
  const [row] = await until(
    () => em.execute<Array<{ status: string }>>('select status from tresta_outbox where notification_id = ?', [sent.id]),
    ([outbox]) => outbox?.status === 'published',
    'the outbox row to be published',
  );
  t.equal(row?.status, 'published');
  const token = await app.inject({ url: '/api/ably/token', headers });
  t.equal(token.statusCode, 200, 'the token route still works while a key is set');
  t.equal(ably.requests.length, before, 'no request reached Ably');
});

t.test('the token request grants exactly subscribe on the caller’s own channel', async (t) => {
  const { app, authFor } = await buildTestApp(t, { realtime: { ablyApiKey: ABLY_KEY } });
  const headers = await authFor('user_token');
  const offered = (await app.inject({ url: '/api/notifications/realtime', headers })).json();
  t.same(offered, {
    transports: ['ably', 'websocket', 'polling'],
    websocket: { url: '/api/notifications/ws' },
    ably: { tokenUrl: '/api/ably/token', channel: 'notifications:user_token' },
    pollIntervalMs: 30_000,
  });

  const res = await app.inject({ url: '/api/ably/token', headers });
  t.equal(res.statusCode, 200);
  const tokenRequest = res.json();
  t.equal(tokenRequest.keyName, 'appid.keyid');
  t.equal(tokenRequest.clientId, 'user_token');
  t.same(JSON.parse(tokenRequest.capability), { 'notifications:user_token': ['subscribe'] });
  t.match(tokenRequest, { timestamp: Number, nonce: String, mac: String });
  t.notMatch(res.body, /s3cr3t/, 'the key secret never leaves the server');
  t.equal((await app.inject({ url: '/api/ably/token' })).statusCode, 401, 'no token without credentials');
});

t.test('user ids that could widen a capability are refused with 403; no key → 404', async (t) => {
  const { app } = await buildTestApp(t, {
    realtime: { ablyApiKey: ABLY_KEY },
    auth: { authenticate: async (request) => ({ userId: String(request.headers['x-user']), isAdmin: false }) },
  });
  for (const userId of ['evil:*', 'a*', 'x:y']) {
    const res = await app.inject({ url: '/api/ably/token', headers: { 'x-user': userId } });
    t.equal(res.statusCode, 403, userId);
    t.equal(res.json().code, 'TRESTA_ERR_ABLY_FORBIDDEN');
    const offered = (await app.inject({ url: '/api/notifications/realtime', headers: { 'x-user': userId } })).json();
    t.notOk(offered.transports.includes('ably'), `Ably is not offered to ${userId}`);
  }
  const { app: withoutAbly, authFor } = await buildTestApp(t);
  const res = await withoutAbly.inject({ url: '/api/ably/token', headers: await authFor('u') });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'TRESTA_ERR_ABLY_NOT_CONFIGURED');
});
