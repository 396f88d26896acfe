import t from 'tap';
import { setupServer } from 'msw/node';
import { Queue } from 'bullmq';
import { buildTestApp } from '../helpers/app.js';
import { createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { setPreferences } from '../jobs/scheduled/helpers.js';

// A normal email the budget has no room for folds into the user's next digest when they have one;
// without a digest it waits for the next UTC day and goes alone, as before.

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

// Counts today's emails: one UTC day per run.
await awayFromUtcMidnight();

t.test('budget spent: the email of a user with a digest goes in that digest; without one it waits alone', async (t) => {
  const { app, redisPrefix } = await buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    types: { WEEKLY_REPORT: { email: 'normal' } },
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      dailyLimit: 1,
      criticalReserve: 0,
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
  const connection = app.notifications.orm.em.getConnection();
  const statusOf = async (id: string) =>
    (
      await connection.execute<Array<{ status: string }>>(
        'select status from tresta_email_deliveries where notification_id = ?',
        [id],
      )
    )[0]?.status;
  await setPreferences(app, 'kim', { digestHour: 0 });
  await setPreferences(app, 'lou', { digest: 'off' });

  const first = await app.notifications.notify({
    userId: 'amy',
    type: 'WEEKLY_REPORT',
    title: 'Spends the budget',
    message: 'm',
  });
  await until(
    () => statusOf(first.id),
    (status) => status === 'sent',
    'the budget spent',
  );
  const [kims, lous] = await app.notifications.notifyMany([
    { userId: 'kim', type: 'WEEKLY_REPORT', title: "Kim's report", message: 'Your figures' },
    { userId: 'lou', type: 'WEEKLY_REPORT', title: "Lou's report", message: 'Your figures' },
  ]);
  await until(
    async () => [await statusOf(kims!.id), await statusOf(lous!.id)],
    (statuses) => statuses.join() === 'folded,deferred',
    'kim folded, lou deferred',
  );
  const queue = new Queue('emails', { connection: app.notifications.redis, prefix: redisPrefix });
  t.teardown(() => queue.close());
  t.equal(await (await queue.getJob(`email-${kims!.id}`))?.getState(), 'completed', "kim's email job is done: the digest has it");
  t.equal(
    await until(
      async () => (await queue.getJob(`email-${lous!.id}`))?.getState(),
      (state) => state === 'delayed',
      "lou's job delayed",
    ),
    'delayed',
    "lou's waits for the next UTC day",
  );

  const tomorrow = new Date(Date.now() + 86_400_000);
  const run = await app.notifications.workers!.scheduled.runJob('digest', { now: tomorrow });
  t.match(run, { status: 'completed', outcome: { sent: 1 } });
  const [digest] = await until(
    async () => resend.sent.filter((email) => email.body.to === 'kim@example.test'),
    (sent) => sent.length === 1,
    "kim's digest",
  );
  t.equal(digest!.body.subject, 'Your daily digest: 1 new notification');
  t.match(digest!.body.text, /Kim's report/, 'the deferred email folded into the next day’s digest');
  t.equal(resend.sent.filter((email) => email.idempotencyKey === `notification-email/${kims!.id}`).length, 0, 'never sent alone');
  t.equal(await statusOf(kims!.id), 'folded');
  const [taken] = await connection.execute<Array<{ digest_run_id: string | null }>>(
    'select digest_run_id from tresta_notifications where id = ?',
    [kims!.id],
  );
  t.ok(taken?.digest_run_id, 'taken by that digest, so by no other');
  t.equal(resend.sent.filter((email) => email.body.to === 'lou@example.test').length, 0, 'lou has no digest: nothing yet');
});
