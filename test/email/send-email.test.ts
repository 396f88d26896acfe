import t, { type Test } from 'tap';
import { setupServer } from 'msw/node';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const recipients = async (userId: string) => ({ email: `${userId}@example.test`, name: 'Ada Lovelace' });

async function emailApp(t: Test, email: Record<string, unknown> = {}): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    email: { resendApiKey: RESEND_KEY, enabled: true, baseUrl: RESEND_BASE_URL, resolveRecipient: recipients, ...email },
  });
}

const deliveryOf = (app: TestApp['app'], notificationId: string) => async () => {
  const [row] = await app.notifications.orm.em
    .getConnection()
    .execute('select * from tresta_email_deliveries where notification_id = ?', [notificationId]);
  return row as Record<string, unknown> | undefined;
};

const callsFor = (id: string) => resend.calls.filter((call) => call.idempotencyKey === `notification-email/${id}`);
const sentFor = (id: string) => resend.sent.filter((email) => email.idempotencyKey === `notification-email/${id}`);

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

t.test('a critical notification is emailed at once, once, with its idempotency key; a digest type is not', async (t) => {
  const { app, redisPrefix, authFor } = await emailApp(t);
  const critical = await app.notifications.notify({
    userId: 'ada',
    type: 'SECURITY_ALERT',
    title: 'New sign-in <script>alert(1)</script>',
    message: 'From Firefox on Linux',
    link: '/settings/security',
  });
  const digestOnly = await app.notifications.notify({ userId: 'ada', type: 'NEW_TESTIMONIAL', title: 'Later', message: 'm' });

  const delivery = await until(deliveryOf(app, critical.id), (row) => row?.status === 'sent', 'the email');
  t.match(delivery, { recipient: 'ada@example.test', priority: 'high', idempotency_key: `notification-email/${critical.id}` });
  const [email] = sentFor(critical.id);
  t.ok(email, 'Resend received it');
  t.match(email!.body, { to: 'Ada Lovelace <ada@example.test>', subject: 'New sign-in <script>alert(1)</script>' });
  t.notMatch(email!.body.html, /<script>/, 'the title is escaped in the HTML');
  t.match(email!.body.html, /New sign-in &lt;script&gt;/);
  t.match(email!.body.html, /href="https:\/\/tresta\.test\/settings\/security"/, 'the relative link is made absolute');
  t.match(email!.body.text, /View in Tresta: https:\/\/tresta\.test\/settings\/security/);
  const today = new Date().toISOString().slice(0, 10);
  t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:${today}`), '1', 'counted in the day’s budget');
  const admin = await authFor('ops', { role: 'admin' });
  const metrics = await until(
    async () => (await app.inject({ url: '/admin/metrics', headers: admin })).json(),
    (m) => m.emails.sentToday === 1,
    'the emails-sent figure',
  );
  t.match(metrics, { emails: { sentToday: 1, failedToday: 0 }, quota: { used: 1, limit: 200 } }, 'the admin metrics show it');

  t.equal(sentFor(digestOnly.id).length, 0, 'the digest type waits for the digest');
  t.equal(await deliveryOf(app, digestOnly.id)(), undefined);
});

t.test('500 three times, then 200: one email, every attempt with the same key and the same bytes', async (t) => {
  const { app } = await emailApp(t);
  resend.inject(
    { status: 500, name: 'application_error' },
    { status: 500, name: 'application_error' },
    { status: 500, name: 'application_error' },
  );
  const n = await app.notifications.notify({ userId: 'bob', type: 'TESTIMONIAL_FLAGGED', title: 'Flagged', message: 'm' });
  await until(deliveryOf(app, n.id), (row) => row?.status === 'sent', 'the email after retries', 30_000);
  const calls = callsFor(n.id);
  t.equal(calls.length, 4, 'three failures and one success');
  t.equal(new Set(calls.map((call) => call.bodyHash)).size, 1, 'a byte-identical body on every attempt');
  t.equal(sentFor(n.id).length, 1, 'one email');
});

t.test('422: one call, then a dead letter with the provider’s answer; 409 invalid_idempotent_request too', async (t) => {
  const { app } = await emailApp(t);
  for (const [status, name] of [
    [422, 'validation_error'],
    [409, 'invalid_idempotent_request'],
  ] as const) {
    resend.inject({ status, name });
    const n = await app.notifications.notify({ userId: `carol_${status}`, type: 'SECURITY_ALERT', title: 'x', message: 'm' });
    await until(deliveryOf(app, n.id), (row) => row?.status === 'failed', `the failed delivery (${status})`);
    t.equal(callsFor(n.id).length, 1, `${status}: no retry`);
    const [dead] = await until(
      () =>
        app.notifications.orm.em.getConnection().execute('select * from tresta_dead_letters where job_id = ?', [`email-${n.id}`]),
      (rows) => rows.length === 1,
      'the dead letter',
    );
    t.match(dead, {
      queue: 'emails',
      job_name: 'send-email',
      error_type: 'permanent',
      http_status: status,
      provider_response: { name },
    });
  }
});

t.test('429 rate_limit_exceeded: sent once after retry-after, without spending an attempt', async (t) => {
  const { app, redisPrefix } = await emailApp(t);
  resend.inject({ status: 429, name: 'rate_limit_exceeded', headers: { 'retry-after': '1' } });
  const n = await app.notifications.notify({ userId: 'dave', type: 'SECURITY_ALERT', title: 'x', message: 'm' });
  await until(deliveryOf(app, n.id), (row) => row?.status === 'sent', 'the email after the rate limit');
  t.equal(callsFor(n.id).length, 2);
  t.equal(sentFor(n.id).length, 1);
  const { Queue } = await import('bullmq');
  const queue = new Queue('emails', { connection: app.notifications.redis, prefix: redisPrefix });
  // The row says sent a moment before BullMQ counts the finished attempt.
  const job = await until(
    async () => {
      const found = await queue.getJob(`email-${n.id}`);
      return { attemptsMade: found?.attemptsMade, state: await found?.getState() };
    },
    (found) => found.state === 'completed',
    'the job to complete',
  );
  t.equal(job.attemptsMade, 1, 'the rate-limited try did not count as an attempt');
  await queue.close();
});

t.test('email off in preferences: nothing sent, the delivery is suppressed', async (t) => {
  const { app, authFor } = await emailApp(t);
  await app.inject({
    method: 'PUT',
    url: '/api/notifications/preferences',
    headers: await authFor('erin'),
    payload: { types: { TESTIMONIAL_FLAGGED: { email: false } } },
  });
  const n = await app.notifications.notify({ userId: 'erin', type: 'TESTIMONIAL_FLAGGED', title: 'x', message: 'm' });
  // SECURITY_ALERT is required: no preference turns it off.
  const other = await app.notifications.notify({ userId: 'erin', type: 'SECURITY_ALERT', title: 'y', message: 'm' });
  await until(deliveryOf(app, other.id), (row) => row?.status === 'sent', 'the other type’s email');
  t.equal(callsFor(n.id).length, 0, 'the type turned off sends nothing');
  t.equal(await deliveryOf(app, n.id)(), undefined, 'and queues nothing');
});

t.test('ENABLE_REAL_EMAILS=false: rendered and kept in the mailbox, Resend never called', async (t) => {
  const { app } = await emailApp(t, { enabled: false });
  const n = await app.notifications.notify({ userId: 'frank', type: 'SECURITY_ALERT', title: 'Mailbox', message: 'm' });
  await until(deliveryOf(app, n.id), (row) => row?.status === 'sent', 'the mailbox copy');
  const [copy] = await app.notifications.orm.em
    .getConnection()
    .execute('select * from tresta_mailbox where idempotency_key = ?', [`notification-email/${n.id}`]);
  t.match(copy, { to: 'Ada Lovelace <frank@example.test>', subject: 'Mailbox', html: /Mailbox/ });
  t.equal(callsFor(n.id).length, 0);
});
