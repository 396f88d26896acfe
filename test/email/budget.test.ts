import t, { type Test } from 'tap';
import { setupServer } from 'msw/node';
import { Queue } from 'bullmq';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { createSlackFake, SLACK_WEBHOOK_URL } from '../fakes/slack.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

const resend = createResendFake();
const slack = createSlackFake();
const server = setupServer(resend.handler, slack.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const today = () => new Date().toISOString().slice(0, 10);
const tomorrowMidnight = () => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
};

async function budgetApp(t: Test, dailyLimit: number, criticalReserve = 0): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    types: { WEEKLY_REPORT: { email: 'normal' } },
    alerts: { slackWebhookUrl: SLACK_WEBHOOK_URL },
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      dailyLimit,
      criticalReserve,
      requestsPerSecond: 10_000,
      concurrency: 50,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
}

async function statusCounts(app: TestApp['app']): Promise<Record<string, Record<string, number>>> {
  const rows = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ priority: string; status: string; count: number }>>(
      'select priority, status, count(*)::int as count from tresta_email_deliveries group by priority, status',
    );
  const counts: Record<string, Record<string, number>> = {};
  for (const row of rows) (counts[row.priority] ??= {})[row.status] = row.count;
  return counts;
}

/** Users without a digest: a normal email the budget cannot take waits for the next UTC day. */
async function withoutDigest(app: TestApp['app'], userIds: string[]): Promise<void> {
  await app.notifications.orm.em
    .getConnection()
    .execute(
      `insert into tresta_notification_preferences (user_id, digest) select value, 'off' from jsonb_array_elements_text(?::jsonb)`,
      [JSON.stringify(userIds)],
      'run',
    );
}

const sentOfType = (prefix: string) => resend.sent.filter((email) => email.body.subject.startsWith(prefix));

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

const budgetAlerts = () => slack.received.filter((message) => /^(Email budget|Normal emails wait)/.test(message.text));

t.test(
  'limit 20, reserve 4: 5 critical then 30 normal → all critical, 11 normal sent, 19 deferred; alerts once each',
  async (t) => {
    const { app, redisPrefix, authFor } = await budgetApp(t, 20, 4);
    const critical = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        userId: `user-${from + i}`,
        type: 'SECURITY_ALERT',
        title: `Reserve alert ${from + i}`,
        message: 'A new sign-in',
      }));
    await app.notifications.notifyMany(critical(0, 5));
    await until(
      () => statusCounts(app),
      (c) => c.high?.sent === 5,
      'the first five critical emails',
    );
    await app.notifications.notifyMany(
      Array.from({ length: 30 }, (_, i) => ({
        userId: `user-${i}`,
        type: 'WEEKLY_REPORT',
        title: `Reserve report ${i}`,
        message: 'm',
      })),
    );
    let counts = await until(
      () => statusCounts(app),
      (c) => (c.normal?.sent ?? 0) + (c.normal?.folded ?? 0) === 30,
      'every normal email sent or deferred',
    );
    // These users have the default daily digest: what the budget cannot take folds into it.
    t.same(
      counts,
      { high: { sent: 5 }, normal: { sent: 11, folded: 19 } },
      '16 = limit − reserve: 11 normal after the 5 critical',
    );
    t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:${today()}`), '16', 'one total for every email');
    t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:locked`), today(), 'the quota lock is set for today');

    // The reserve is for critical email: four more fill the provider's cap, a fifth still goes out.
    await app.notifications.notifyMany(critical(5, 5));
    counts = await until(
      () => statusCounts(app),
      (c) => c.high?.sent === 10,
      'the critical emails in the reserve',
    );
    t.same(counts, { high: { sent: 10 }, normal: { sent: 11, folded: 19 } }, 'none refused, none lost, none dead-lettered');
    t.equal(sentOfType('Reserve alert').length, 10);
    t.equal(sentOfType('Reserve report').length, 11);
    const [deadLetters] = await app.notifications.orm.em
      .getConnection()
      .execute<Array<{ count: number }>>('select count(*)::int as count from tresta_dead_letters');
    t.equal(deadLetters?.count, 0, 'nothing dead-lettered');

    const alerts = await until(budgetAlerts, (messages) => messages.length >= 4, 'the four budget alerts');
    t.same(
      alerts.map((message) => message.text).sort(),
      ['Email budget 80 % used', 'Email budget 90 % used', 'Email budget exhausted', 'Normal emails wait for tomorrow'],
      'each alert once',
    );
    const admin = await authFor('ops', { role: 'admin' });
    const metrics = await until(
      async () => (await app.inject({ url: '/admin/metrics', headers: admin })).json(),
      (shown) => shown.emails.deferredToday >= 19,
      'the deferred count',
    );
    t.match(metrics.emails, { deferredToday: 19 }, 'the admin figures count the deferred emails');
    t.same(metrics.quota, {
      used: 21,
      limit: 20,
      reserve: 4,
      remaining: 0,
      locked: true,
      nextRetryAt: new Date(tomorrowMidnight()).toISOString(),
    });
    const prometheus = await app.inject({ url: '/admin/metrics', headers: { ...admin, accept: 'text/plain' } });
    t.match(prometheus.body, /^tresta_email_quota_reserve 4$/m);
    t.match(prometheus.body, /^tresta_email_quota_remaining 0$/m);
    t.match(prometheus.body, /^tresta_email_quota_used 21$/m);
    t.equal(budgetAlerts().length, 4, 'no alert twice');
  },
);

t.test('1,000 normal emails at once on a limit of 250 with a reserve of 50, 50 critical in the burst: none lost', async (t) => {
  const { app, redisPrefix } = await budgetApp(t, 250, 50);
  await withoutDigest(
    app,
    Array.from({ length: 1_000 }, (_, i) => `user-${i}`),
  );
  const normal = Array.from({ length: 1_000 }, (_, i) => ({
    userId: `user-${i}`,
    type: 'WEEKLY_REPORT',
    title: `Burst report ${i}`,
    message: 'Your weekly figures',
  }));
  const critical = Array.from({ length: 50 }, (_, i) => ({
    userId: `user-${i * 20}`,
    type: 'SECURITY_ALERT',
    title: `Burst alert ${i}`,
    message: 'A new sign-in',
  }));
  // Interleaved batches committed concurrently: the critical ones arrive in the middle of the burst.
  const batches = Array.from({ length: 10 }, (_, b) => [
    ...normal.slice(b * 100, b * 100 + 100),
    ...critical.slice(b * 5, b * 5 + 5),
  ]);
  await Promise.all(batches.map((batch) => app.notifications.notifyMany(batch)));

  const counts = await until(
    () => statusCounts(app),
    (c) => (c.normal?.sent ?? 0) + (c.normal?.deferred ?? 0) === 1_000 && c.high?.sent === 50,
    'every email sent or deferred',
    120_000,
  );
  const normalSent = counts.normal?.sent ?? 0;
  // Normal email stops at 200 in the one total; critical email counted before that took some of it.
  t.ok(normalSent >= 150 && normalSent <= 200, `normal email within limit − reserve (${normalSent} sent)`);
  t.equal(counts.normal?.deferred, 1_000 - normalSent, 'the rest deferred');
  t.equal(sentOfType('Burst report').length, normalSent, 'Resend received the normal emails sent');
  t.equal(sentOfType('Burst alert').length, 50, 'and every critical one');
  t.equal(
    Number(await app.notifications.redis.get(`${redisPrefix}:email:quota:${today()}`)),
    normalSent + 50,
    'every email counted, critical ones too',
  );
  t.ok(normalSent + 50 <= 250, 'within the provider’s cap');
  t.equal(
    Number(await app.notifications.redis.get(`${redisPrefix}:email:quota:next-retry`)),
    tomorrowMidnight(),
    'next retry: midnight UTC',
  );

  // None lost: each deferred email is a row waiting for tomorrow and a job delayed until then.
  const deferred = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ notification_id: string; deferred_until: string }>>(
      `select notification_id, deferred_until from tresta_email_deliveries where status = 'deferred'`,
    );
  t.ok(
    deferred.every((row) => new Date(row.deferred_until).getTime() >= tomorrowMidnight()),
    'every deferred email waits for the next UTC day',
  );
  const queue = new Queue('emails', { connection: { url: REDIS_URL }, prefix: redisPrefix });
  t.teardown(() => queue.close());
  // Each row is marked deferred just before its job is moved to delayed.
  const states = await until(
    () => Promise.all(deferred.slice(0, 50).map(async (row) => (await queue.getJob(`email-${row.notification_id}`))?.getState())),
    (found) => found.every((state) => state === 'delayed'),
    'the deferred jobs to be delayed',
  );
  t.same(new Set(states), new Set(['delayed']), 'their jobs sleep until then');
});

t.test('a critical email goes out while the budget is spent; a normal one waits', async (t) => {
  const { app } = await budgetApp(t, 1);
  await withoutDigest(app, ['ada']);
  const first = await app.notifications.notify({ userId: 'ada', type: 'WEEKLY_REPORT', title: 'Spent report', message: 'm' });
  await until(
    () => statusCounts(app),
    (c) => c.normal?.sent === 1,
    'the budget spent',
  );
  const [normal, critical] = await Promise.all([
    app.notifications.notify({ userId: 'ada', type: 'WEEKLY_REPORT', title: 'Spent report 2', message: 'm' }),
    app.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'Spent alert', message: 'm' }),
  ]);
  const counts = await until(
    () => statusCounts(app),
    (c) => c.normal?.deferred === 1 && c.high?.sent === 1,
    'the critical email sent and the normal one deferred',
  );
  t.same(counts, { normal: { sent: 1, deferred: 1 }, high: { sent: 1 } });
  const statusOf = async (id: string) =>
    (
      await app.notifications.orm.em
        .getConnection()
        .execute<Array<{ status: string }>>('select status from tresta_email_deliveries where notification_id = ?', [id])
    )[0]?.status;
  t.same(
    [await statusOf(first.id), await statusOf(normal.id), await statusOf(critical.id)],
    ['sent', 'deferred', 'sent'],
    'each email ends where its priority says',
  );
  t.equal(sentOfType('Spent alert').length, 1);
  t.equal(sentOfType('Spent report 2').length, 0);
});

t.test("Resend's daily_quota_exceeded closes the day: the email is deferred and the lock set", async (t) => {
  const { app, redisPrefix } = await budgetApp(t, 200);
  await withoutDigest(app, ['grace']);
  resend.inject({ status: 429, name: 'daily_quota_exceeded' });
  await app.notifications.notify({ userId: 'grace', type: 'WEEKLY_REPORT', title: 'Provider spent', message: 'm' });
  await until(
    () => statusCounts(app),
    (c) => c.normal?.deferred === 1,
    'the email deferred',
  );
  t.equal(
    await app.notifications.redis.get(`${redisPrefix}:email:quota:locked`),
    `provider:${today()}`,
    'the provider’s word binds until midnight',
  );
  await app.notifications.notify({ userId: 'grace', type: 'WEEKLY_REPORT', title: 'Provider spent 2', message: 'm' });
  await until(
    () => statusCounts(app),
    (c) => c.normal?.deferred === 2,
    'the next normal email deferred without a call',
  );
  t.equal(sentOfType('Provider spent').length, 0, 'nothing reached Resend');
});
