import t from 'tap';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { setupServer } from 'msw/node';
import trestaNotifications from '../../plugin/index.js';
import { createAblyFake } from '../fakes/ably.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const ABLY_SECRET = 'v3ry-s3cret-ably-key-material';
const ABLY_KEY = `appid.keyid:${ABLY_SECRET}`;

t.test('the logs of a whole flow carry request/job and user ids, and no secret', async (t) => {
  const ably = createAblyFake(ABLY_KEY);
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify({ logger: { level: 'trace', stream } });
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-logs-${process.pid}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    appUrl: APP_ORIGIN,
    realtime: { ablyApiKey: ABLY_KEY },
    workers: true,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const token = await tokens.sign('log_user');
  const wsToken = await tokens.sign('log_user', { sid: 'sess_ws' });
  const client = await connectAuthenticated(`${address.replace('http', 'ws')}/api/notifications/ws`, wsToken, APP_ORIGIN);
  // Intercepting from here on: msw would otherwise take the WebSocket's upgrade request too.
  const server = setupServer(ably.handler);
  server.listen({ onUnhandledRequest: 'error' });
  t.teardown(() => server.close());
  const headers = { authorization: `Bearer ${token}` };
  // Ably refuses every publish until the deliver job has failed once (the relay's own publish fails
  // first, then the job's first attempt): the job's retry is what this test reads in the logs.
  ably.failNextRequests(Number.POSITIVE_INFINITY);
  const sent = await app.notifications.notify({ userId: 'log_user', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'm' });
  await client.waitFor((f) => f.name === 'new-notification');
  await until(
    () => lines.some((line) => line.msg === 'notifications job failed; it will be retried'),
    Boolean,
    'the deliver job failing once',
  );
  ably.failNextRequests(0);
  await until(() => ably.delivered.has(sent.id), Boolean, 'the Ably publish retried');
  await app.inject({ method: 'PATCH', url: `/api/notifications/${sent.id}`, headers, payload: { isRead: true } });
  await app.inject({ url: '/api/notifications', headers });
  await app.inject({ url: '/api/notifications', headers: { authorization: `Bearer ${token}x` } });
  await app.inject({ url: '/api/ably/token', headers });

  const authenticated = lines.filter((line) => line.userId === 'log_user' && line.reqId);
  t.ok(authenticated.length > 0, 'request lines name the request and the user');
  const retried = lines.find((line) => line.msg === 'notifications job failed; it will be retried');
  t.match(retried, { jobId: `deliver-${sent.id}`, userId: 'log_user' }, 'worker lines name the job and the user');

  const everything = raw.join('\n');
  for (const [what, secret] of [
    ['the session token', token],
    ['the WebSocket token', wsToken],
    ['the Ably key secret', ABLY_SECRET],
    ['an Authorization header', 'Bearer '],
  ] as const) {
    t.notOk(everything.includes(secret), `no ${what} in ${raw.length} log lines`);
  }
});
