import t, { type Test } from 'tap';
import { setupServer } from 'msw/node';
import { Queue } from 'bullmq';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

// A type with escalateAfterMinutes is in-app first; its email goes only if the notification is
// still unread that long after it was written. The test does not wait the minutes: it moves the
// delayed job to the queue (BullMQ's promote), which is what the delay's end does.

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

async function escalationApp(t: Test): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    types: { PAYMENT_FAILED: { email: 'immediate', escalateAfterMinutes: 30 } },
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
}

const sentFor = (id: string) => resend.sent.filter((email) => email.idempotencyKey === `notification-email/${id}`);

/** The notification's email job, once its delivery has queued it (delayed until the escalation). */
async function escalationJob(t: Test, { app, redisPrefix }: TestApp, notificationId: string) {
  const queue = new Queue('emails', { connection: app.notifications.redis, prefix: redisPrefix });
  t.teardown(() => queue.close());
  const job = await until(
    async () => {
      const found = await queue.getJob(`email-${notificationId}`);
      return found && (await found.getState()) === 'delayed' ? found : null;
    },
    Boolean,
    'the delayed email job',
  );
  return job!;
}

const deliveryOf = async (app: TestApp['app'], id: string) =>
  (
    await app.notifications.orm.em
      .getConnection()
      .execute<Array<{ status: string; priority: string; last_error: string | null }>>(
        'select status, priority, last_error from tresta_email_deliveries where notification_id = ?',
        [id],
      )
  )[0];

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

t.test('still unread after 30 minutes: one email, as a normal one within the budget', async (t) => {
  const test = await escalationApp(t);
  const { app, redisPrefix } = test;
  const n = await app.notifications.notify({ userId: 'ivy', type: 'PAYMENT_FAILED', title: 'Payment failed', message: 'm' });
  const job = await escalationJob(t, test, n.id);
  t.ok(job.delay > 29 * 60_000 && job.delay <= 30 * 60_000, 'the job waits for the 30 minutes after the notification');
  t.same(Object.keys(job.data).sort(), ['notificationId', 'userId'], 'the job carries ids only');
  t.notMatch(JSON.stringify(job.data), /@/, 'no address in Redis');
  t.equal(sentFor(n.id).length, 0, 'no email meanwhile');
  t.equal(await deliveryOf(app, n.id), undefined);

  await job.promote();
  await until(
    () => deliveryOf(app, n.id),
    (row) => row?.status === 'sent',
    'the escalation email',
  );
  t.match(await deliveryOf(app, n.id), { status: 'sent', priority: 'normal' }, 'counted like a normal email');
  t.equal(sentFor(n.id).length, 1);
  t.match(sentFor(n.id)[0]!.body.headers, { 'List-Unsubscribe': /^<https:/ }, 'a normal email: it can be unsubscribed from');
  const today = new Date().toISOString().slice(0, 10);
  t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:${today}`), '1', 'in the day’s budget');
});

t.test('read within the 30 minutes: no email', async (t) => {
  const test = await escalationApp(t);
  const { app, authFor } = test;
  const n = await app.notifications.notify({ userId: 'joe', type: 'PAYMENT_FAILED', title: 'Payment failed', message: 'm' });
  const job = await escalationJob(t, test, n.id);
  const read = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${n.id}`,
    headers: await authFor('joe'),
    payload: { isRead: true },
  });
  t.equal(read.statusCode, 200);

  await job.promote();
  const delivery = await until(
    () => deliveryOf(app, n.id),
    (row) => row?.status === 'suppressed',
    'the escalation decided',
  );
  t.match(delivery, { status: 'suppressed', last_error: 'read before the escalation email was due' });
  t.equal(sentFor(n.id).length, 0, 'Resend received nothing');
});
