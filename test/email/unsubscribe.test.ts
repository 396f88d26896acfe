import t from 'tap';
import { setupServer } from 'msw/node';
import { Queue } from 'bullmq';
import { REDIS_URL } from '../helpers/services.js';
import { UnsubscribeLinks } from '../../plugin/email/unsubscribe.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/until.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const SECRET = 'unsubscribe-secret-for-tests-0123456789';
const ENDPOINT = 'https://tresta.test/api/notifications/unsubscribe';
const links = new UnsubscribeLinks(new TextEncoder().encode(SECRET), ENDPOINT, 60);

async function unsubscribeApp(t: Parameters<typeof buildTestApp>[0]): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    types: { WEEKLY_REPORT: { email: 'normal' } },
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      unsubscribeSecret: SECRET,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
}

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

async function preferencesOf(app: TestApp, userId: string) {
  return (await app.app.inject({ url: '/api/notifications/preferences', headers: await app.authFor(userId) })).json();
}

t.test(
  'a normal email carries one HTTPS List-Unsubscribe URL; POSTing it turns that type off; the next one is not sent',
  async (t) => {
    const testApp = await unsubscribeApp(t);
    const { app } = testApp;
    await app.notifications.notify({ userId: 'ada', type: 'WEEKLY_REPORT', title: 'Report one', message: 'm' });
    const [email] = await until(
      async () => resend.sent.filter((sent) => sent.body.subject === 'Report one'),
      (sent) => sent.length === 1,
      'the first report',
    );
    const headers = email!.body.headers!;
    t.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    const [, url] = /^<(https:\/\/[^>]+)>$/.exec(headers['List-Unsubscribe'] ?? '') ?? [];
    t.ok(url?.startsWith(`${ENDPOINT}?token=`), 'exactly one HTTPS URI, on the unsubscribe route');
    t.match(email!.body.html, 'Unsubscribe from these emails', 'a visible link too');

    const page = await app.inject({ url: pathOf(url!) });
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /text\/html/);
    t.match(page.body, /<form method="post"/);
    t.equal(
      (await preferencesOf(testApp, 'ada')).types.WEEKLY_REPORT.email,
      true,
      'GET changed nothing (mail software prefetches)',
    );

    const done = await app.inject({
      method: 'POST',
      url: pathOf(url!),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    t.equal(done.statusCode, 200, 'answered 200');
    t.equal(done.headers.location, undefined, 'no redirect');
    const preferences = await preferencesOf(testApp, 'ada');
    t.equal(preferences.types.WEEKLY_REPORT.email, false, 'that type’s email is off');
    t.equal(preferences.emailEnabled, true, 'the rest stays on');

    const second = await app.notifications.notify({ userId: 'ada', type: 'WEEKLY_REPORT', title: 'Report two', message: 'm' });
    // Delivered means its delivery job has run, and with it the decision whether to email it.
    await until(
      async () =>
        (
          await app.notifications.orm.em
            .getConnection()
            .execute<Array<{ status: string }>>('select status from tresta_outbox where notification_id = ?', [second.id])
        )[0]?.status,
      (status) => status === 'published',
      'the second report delivered in the app',
    );
    const [row] = await app.notifications.orm.em
      .getConnection()
      .execute<Array<{ status: string } | undefined>>('select status from tresta_email_deliveries where notification_id = ?', [
        second.id,
      ]);
    t.equal(row, undefined, 'no delivery row');
    // The email job is queued before the notification counts as delivered: had it been, it would be here.
    const emails = new Queue('emails', { connection: { url: REDIS_URL }, prefix: testApp.redisPrefix });
    t.teardown(() => emails.close());
    t.equal(await emails.getJob(`email-${second.id}`), undefined, 'and no email job: nothing will be sent');
    t.equal(resend.sent.filter((sent) => sent.body.subject === 'Report two').length, 0, 'no email after unsubscribing');
  },
);

t.test('multipart one-click with an all-email token turns all email off', async (t) => {
  const testApp = await unsubscribeApp(t);
  const { url } = await links.forUser('grace', { issuedAt: new Date() });
  const boundary = '----tresta';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  const res = await testApp.app.inject({
    method: 'POST',
    url: pathOf(url),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  t.equal(res.statusCode, 200);
  t.equal((await preferencesOf(testApp, 'grace')).emailEnabled, false);
});

t.test('forged, tampered or missing tokens and wrong bodies: 4xx with a code, nothing changes', async (t) => {
  const testApp = await unsubscribeApp(t);
  const { app } = testApp;
  const genuine = new URL((await links.forUser('alan', { issuedAt: new Date() })).url).searchParams.get('token')!;
  const [header, payload, signature] = genuine.split('.');
  const otherPayload = Buffer.from(JSON.stringify({ sub: 'victim', aud: ENDPOINT })).toString('base64url');
  const forgedLinks = new UnsubscribeLinks(new TextEncoder().encode('another-secret-another-secret-000000'), ENDPOINT, 60);
  const cases = {
    'a flipped signature': `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`,
    'another user in the payload': `${header}.${otherPayload}.${signature}`,
    'signed with another secret': new URL((await forgedLinks.forUser('alan', { issuedAt: new Date() })).url).searchParams.get(
      'token',
    )!,
    'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
    garbage: 'not-a-token',
  };
  for (const [name, token] of Object.entries(cases)) {
    for (const method of ['GET', 'POST'] as const) {
      const res = await app.inject({
        method,
        url: `/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        ...(method === 'POST' ? { payload: 'List-Unsubscribe=One-Click' } : {}),
      });
      t.equal(res.statusCode, 400, `${method} with ${name}`);
      t.equal(res.json().code, 'TRESTA_ERR_UNSUBSCRIBE_TOKEN');
    }
  }
  t.equal((await app.inject({ method: 'POST', url: '/api/notifications/unsubscribe' })).statusCode, 400, 'no token');

  const wrongBody = await app.inject({
    method: 'POST',
    url: `/api/notifications/unsubscribe?token=${genuine}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=Maybe',
  });
  t.equal(wrongBody.statusCode, 400);
  t.equal(wrongBody.json().code, 'TRESTA_ERR_UNSUBSCRIBE_BODY');

  for (const userId of ['alan', 'victim']) {
    const preferences = await preferencesOf(testApp, userId);
    t.equal(preferences.emailEnabled, true, `${userId}: nothing changed`);
  }
});
