import t from 'tap';
import { randomBytes } from 'node:crypto';
import { setupServer } from 'msw/node';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { until } from '../helpers/until.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { signedResendWebhook } from '../fakes/resend-webhook.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

async function webhookApp(
  t: Parameters<typeof buildTestApp>[0],
  webhookSecret: string | null = WEBHOOK_SECRET,
): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      webhookSecret: webhookSecret ?? undefined,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
}

const signed = (event: object, options: { id?: string; at?: Date } = {}) =>
  signedResendWebhook(WEBHOOK_SECRET, JSON.stringify(event), options);

const event = (type: string, emailId: string, to: string, extra: object = {}) => ({
  type,
  created_at: new Date().toISOString(),
  data: {
    email_id: emailId,
    to: [to],
    from: 'Tresta <n@tresta.app>',
    subject: 's',
    created_at: new Date().toISOString(),
    ...extra,
  },
});

async function sentEmail(app: TestApp['app'], userId: string, title: string) {
  const notification = await app.notifications.notify({ userId, type: 'SECURITY_ALERT', title, message: 'm' });
  const row = await until(
    async () =>
      (
        await app.notifications.orm.em
          .getConnection()
          .execute<Array<{ status: string; provider_message_id: string }>>(
            'select status, provider_message_id, provider_event from tresta_email_deliveries where notification_id = ?',
            [notification.id],
          )
      )[0],
    (r) => r?.status === 'sent',
    `${title} sent`,
  );
  return { notificationId: notification.id, providerId: row!.provider_message_id };
}

const deliveryEvent = async (app: TestApp['app'], providerId: string) =>
  (
    await app.notifications.orm.em
      .getConnection()
      .execute<Array<{ provider_event: string | null }>>(
        'select provider_event from tresta_email_deliveries where provider_message_id = ?',
        [providerId],
      )
  )[0]?.provider_event;

const suppressions = async (app: TestApp['app']) =>
  app.notifications.orm.em
    .getConnection()
    .execute<Array<{ email: string; reason: string }>>('select email, reason from tresta_email_suppressions order by email');

t.test('delivered: recorded on the delivery once; the same event again is a duplicate', async (t) => {
  const { app } = await webhookApp(t);
  const { providerId } = await sentEmail(app, 'ada', 'Delivered one');
  const request = signed(event('email.delivered', providerId, 'ada@example.test'), { id: 'msg_delivered_1' });
  const first = await app.inject(request);
  t.equal(first.statusCode, 200);
  t.same(first.json(), { received: true, outcome: 'processed' });
  t.equal(await deliveryEvent(app, providerId), 'delivered');
  const again = await app.inject(request);
  t.same(again.json(), { received: true, outcome: 'duplicate' }, 'Resend’s retry of the same event is applied once');
  t.equal(
    await app.notifications.redis.exists(
      `${(await app.notifications.redis.keys('*:idempotency:msg_delivered_1:email.delivered'))[0]}`,
    ),
    1,
  );
});

t.test('a hard bounce and a complaint suppress the address; a soft bounce does not', async (t) => {
  const { app } = await webhookApp(t);
  const bounced = await sentEmail(app, 'bounce', 'Bounce me');
  const complained = await sentEmail(app, 'complain', 'Complain');
  const soft = await sentEmail(app, 'soft', 'Soft');
  await app.inject(
    signed(
      event('email.bounced', bounced.providerId, 'Bounce@Example.test', {
        bounce: { type: 'Permanent', subType: 'General', message: 'no such user' },
      }),
    ),
  );
  await app.inject(signed(event('email.complained', complained.providerId, 'complain@example.test')));
  await app.inject(
    signed(
      event('email.bounced', soft.providerId, 'soft@example.test', {
        bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' },
      }),
    ),
  );
  t.same(await suppressions(app), [
    { email: 'bounce@example.test', reason: 'bounce' },
    { email: 'complain@example.test', reason: 'complaint' },
  ]);
  t.equal(await deliveryEvent(app, bounced.providerId), 'bounced');
  t.equal(await deliveryEvent(app, soft.providerId), 'bounced', 'the soft bounce is recorded, the address kept');

  const before = resend.sent.length;
  const next = await app.notifications.notify({
    userId: 'bounce',
    type: 'SECURITY_ALERT',
    title: 'After the bounce',
    message: 'm',
  });
  const row = await until(
    async () =>
      (
        await app.notifications.orm.em
          .getConnection()
          .execute<Array<{ status: string; last_error: string }>>(
            'select status, last_error from tresta_email_deliveries where notification_id = ?',
            [next.id],
          )
      )[0],
    (r) => r?.status === 'suppressed',
    'the next email suppressed',
  );
  t.match(row!.last_error, /bounce/);
  t.equal(resend.sent.length, before, 'nothing sent to a suppressed address');
});

t.test('a bad or stale signature: 401 with a code and nothing applied; no secret configured: 404', async (t) => {
  const { app } = await webhookApp(t);
  const { providerId } = await sentEmail(app, 'eve', 'Signed');
  const genuine = signed(event('email.complained', providerId, 'eve@example.test'));
  const tampered = { ...genuine, payload: genuine.payload.replace('eve@example.test', 'ada@example.test') };
  const stale = signed(event('email.complained', providerId, 'eve@example.test'), { at: new Date(Date.now() - 10 * 60_000) });
  const unsigned = { ...genuine, headers: { 'content-type': 'application/json' } };
  for (const [name, request] of Object.entries({ tampered, stale, unsigned })) {
    const res = await app.inject(request);
    t.equal(res.statusCode, 401, name);
    t.equal(res.json().code, 'TRESTA_ERR_WEBHOOK_SIGNATURE', name);
  }
  t.same(await suppressions(app), [], 'nothing suppressed');
  t.equal(await deliveryEvent(app, providerId), null);

  const { app: unconfigured } = await webhookApp(t, null);
  const res = await unconfigured.inject(genuine);
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'TRESTA_ERR_WEBHOOK_NOT_CONFIGURED');
});
