import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { setupServer } from 'msw/node';
import trestaNotifications from '../../plugin/index.js';
import { createUnsubscribeLinks, UnsubscribeLinks } from '../../plugin/email/unsubscribe.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const SECRET = 'unsubscribe-secret-for-security-tests-0123';
const ENDPOINT = `${APP_ORIGIN}/api/notifications/unsubscribe`;
const DAY_MS = 24 * 3600 * 1000;
const silent = { warn: () => {} };
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const pathOf = (url: string) => `${new URL(url).pathname}${new URL(url).search}`;

await awayFromUtcMidnight();

/** A host with a logger writing to memory, the way a production host logs every request. */
async function loggedApp(t: Test) {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      done();
    },
  });
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify({ logger: { level: 'info', stream } });
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-unsub-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    appUrl: APP_ORIGIN,
    workers: true,
    types: { WEEKLY_REPORT: { email: 'normal' } },
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      unsubscribeSecret: SECRET,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
  await app.ready();
  const preferences = async (userId: string) =>
    (
      await app.inject({
        url: '/api/notifications/preferences',
        headers: { authorization: `Bearer ${await tokens.sign(userId, { expiresIn: '1h' })}` },
      })
    ).json();
  return { app, raw, preferences };
}

t.test('unsubscribe tokens never reach the request log', async (t) => {
  const { app, raw } = await loggedApp(t);
  const links = new UnsubscribeLinks(new TextEncoder().encode(SECRET), ENDPOINT, 60);
  const { url } = await links.forUser('lena', { issuedAt: new Date() });
  const token = tokenOf(url);
  t.equal((await app.inject({ url: pathOf(url) })).statusCode, 200, 'the page is shown');
  const posted = await app.inject({
    method: 'POST',
    url: pathOf(url),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  t.equal(posted.statusCode, 200, 'the one-click POST works');
  const log = raw.join('');
  t.notOk(log.includes(token), 'the token appears in no log line');
  t.ok(log.includes('/api/notifications/unsubscribe?token=[redacted]'), 'the request line names the route, token redacted');
});

t.test('links expire a fixed time after their email, and an expired one changes nothing', async (t) => {
  const { app, preferences } = await loggedApp(t);
  const sent = await app.notifications.notify({ userId: 'mia', type: 'WEEKLY_REPORT', title: 'Report', message: 'm' });
  const email = await until(
    async () => resend.sent.find((e) => e.idempotencyKey === `notification-email/${sent.id}`),
    Boolean,
    'the email',
  );
  const [, url] = /^<([^>]+)>$/.exec(email!.body.headers!['List-Unsubscribe']!)!;
  const claims = decodeJwt(tokenOf(url!));
  t.equal(claims.iat, Math.floor(Date.parse(sent.createdAt) / 1000), 'counted from the notification, not from the attempt');
  t.equal(claims.exp! - claims.iat!, 60 * 24 * 3600, 'the default lifetime: 60 days');
  t.equal(claims.aud, ENDPOINT, "bound to this deployment's endpoint");

  const links = new UnsubscribeLinks(new TextEncoder().encode(SECRET), ENDPOINT, 60);
  const old = await links.forUser('mia', { type: 'WEEKLY_REPORT', issuedAt: new Date(Date.now() - 61 * DAY_MS) });
  for (const method of ['GET', 'POST'] as const) {
    const response = await app.inject({
      method,
      url: pathOf(old.url),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
    });
    t.equal(response.statusCode, 400, `${method} of an expired link → 400`);
    t.equal(response.json().code, 'TRESTA_ERR_UNSUBSCRIBE_EXPIRED');
  }
  t.equal((await preferences('mia')).types.WEEKLY_REPORT.email, true, 'nothing changed');
});

t.test('a link for a type no longer registered, or since made required, turns nothing off (not all email)', async (t) => {
  const { app, preferences } = await loggedApp(t);
  const links = new UnsubscribeLinks(new TextEncoder().encode(SECRET), ENDPOINT, 60);
  const { url } = await links.forUser('nora', { type: 'RETIRED_TYPE', issuedAt: new Date() });
  const response = await app.inject({
    method: 'POST',
    url: pathOf(url),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  t.equal(response.statusCode, 200, 'answered as done: no such email is sent any more');
  t.equal((await preferences('nora')).emailEnabled, true, 'email stays on');

  // A type made required since the email was sent (the security alert): no preference stops it.
  const required = await links.forUser('nora', { type: 'SECURITY_ALERT', issuedAt: new Date() });
  const answer = await app.inject({
    method: 'POST',
    url: pathOf(required.url),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  t.equal(answer.statusCode, 200, 'a link for a required type is answered, not refused');
  const after = await preferences('nora');
  t.equal(after.emailEnabled, true, 'all email stays on');
  t.equal(after.types.SECURITY_ALERT.email, true, 'the required type stays on');
});

t.test('two deployments that share a Resend key do not accept each other’s links', async (t) => {
  const email = (unsubscribeUrl: string) => ({
    unsubscribeSecret: null,
    resendApiKey: RESEND_KEY,
    unsubscribeUrl,
    unsubscribeLinkDays: 60,
  });
  const staging = createUnsubscribeLinks(email('https://staging.tresta.test/api/notifications/unsubscribe'), silent);
  const production = createUnsubscribeLinks(email('https://tresta.test/api/notifications/unsubscribe'), silent);
  const productionAgain = createUnsubscribeLinks(email('https://tresta.test/api/notifications/unsubscribe'), silent);
  const fromStaging = tokenOf((await staging.forUser('olga', { issuedAt: new Date() })).url);
  const fromProduction = tokenOf((await production.forUser('olga', { issuedAt: new Date() })).url);
  t.same(await production.verify(fromStaging), { kind: 'invalid' }, "production refuses staging's link");
  t.match(
    await productionAgain.verify(fromProduction),
    { kind: 'valid', scope: { userId: 'olga' } },
    'every process of one deployment agrees',
  );
});
