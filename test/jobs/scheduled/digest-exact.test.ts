import t from 'tap';
import { setupServer } from 'msw/node';
import { Queue } from 'bullmq';
import type { TestApp } from '../../helpers/app.js';
import { createResendFake } from '../../fakes/resend.js';
import { Alerter } from '../../../plugin/alerts/alerter.js';
import type { EmailChannel } from '../../../plugin/email/channel.js';
import { createMailboxMailer } from '../../../plugin/email/mailbox-mailer.js';
import { DEFAULT_BRAND } from '../../../plugin/email/templates/brand.js';
import { UnsubscribeLinks } from '../../../plugin/email/unsubscribe.js';
import { takeAndRender } from '../../../plugin/email/digest/compose.js';
import { QuotaGuard } from '../../../plugin/quota/quota-guard.js';
import { digestApp, recipientOf, setPreferences, until } from './helpers.js';

// A digest takes notifications by id (each records the digest that took it), not by a window of
// time: nothing is too recent for it, and nothing committed late falls between two runs.

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const digestsTo = (userId: string) => resend.sent.filter((email) => email.body.to === `${userId}@example.test`);
const runner = (app: TestApp['app']) => app.notifications.workers!.scheduled;
const DAY_MS = 86_400_000;

t.test('a digest run right after notify() includes the notifications just written', async (t) => {
  const { app } = await digestApp(t);
  // Her digest hour is her day's first: the run is due whenever the test runs.
  await setPreferences(app, 'fay', { digestHour: 0 });
  await app.notifications.notifyMany([
    { userId: 'fay', type: 'NEW_TESTIMONIAL', title: 'Fresh one', message: 'Just now' },
    { userId: 'fay', type: 'TESTIMONIAL_APPROVED', title: 'Fresh two', message: 'Just now' },
  ]);
  const run = await runner(app).runJob('digest', { now: new Date() });
  t.match(run, { status: 'completed', outcome: { sent: 1, carried: 0 } });
  const [email] = await until(
    async () => digestsTo('fay'),
    (sent) => sent.length === 1,
    "fay's digest",
  );
  t.equal(email!.body.subject, 'Your daily digest: 2 new notifications');
  t.match(email!.body.text, /Fresh one/);
  t.match(email!.body.text, /Fresh two/);
  const rows = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ digest_run_id: string | null }>>(`select digest_run_id from tresta_notifications where user_id = 'fay'`);
  t.equal(new Set(rows.map((row) => row.digest_run_id)).size, 1, 'both record the one digest that took them');
  t.ok(rows[0]!.digest_run_id, 'by its id');
});

t.test('a notification committed by a transaction open across a run is in the next digest, exactly once', async (t) => {
  const { app } = await digestApp(t);
  await setPreferences(app, 'gus', { digestHour: 0 });
  await app.notifications.notify({ userId: 'gus', type: 'NEW_TESTIMONIAL', title: 'Committed before', message: 'm' });

  // A host transaction writes a notification, and is still open while the digest runs.
  const em = app.notifications.orm.em.fork();
  await em.begin();
  await app.notifications.notify({ userId: 'gus', type: 'NEW_TESTIMONIAL', title: 'Committed late', message: 'm' }, { em });
  const now = Date.now();
  const first = await runner(app).runJob('digest', { now: new Date(now) });
  await em.commit();
  t.match(first, { status: 'completed', outcome: { sent: 1 } });
  const [today] = await until(
    async () => digestsTo('gus'),
    (sent) => sent.length === 1,
    "today's digest",
  );
  t.match(today!.body.text, /Committed before/);
  t.notMatch(today!.body.text, /Committed late/, 'not seen by the run it was open across');

  const second = await runner(app).runJob('digest', { now: new Date(now + DAY_MS) });
  t.match(second, { status: 'completed', outcome: { sent: 1 } });
  const sent = await until(
    async () => digestsTo('gus'),
    (emails) => emails.length === 2,
    "the next day's digest",
  );
  t.equal(sent[1]!.body.subject, 'Your daily digest: 1 new notification');
  t.match(sent[1]!.body.text, /Committed late/, 'taken by the next run');
  t.notMatch(sent[1]!.body.text, /Committed before/);

  const third = await runner(app).runJob('digest', { now: new Date(now + 2 * DAY_MS) });
  t.match(third, { status: 'completed', outcome: { sent: 0 } }, 'and in no later one');
  t.equal(digestsTo('gus').length, 2);
});

t.test('the jobs carry ids only; the digest’s bytes and address are in its delivery log row', async (t) => {
  const { app, redisPrefix } = await digestApp(t);
  await setPreferences(app, 'hal', { digestHour: 0 });
  await app.notifications.notify({ userId: 'hal', type: 'NEW_TESTIMONIAL', title: 'Lean', message: 'm' });
  await runner(app).runJob('digest', { now: new Date() });
  await until(
    async () => digestsTo('hal'),
    (sent) => sent.length === 1,
    "hal's digest",
  );
  const queue = new Queue('digests', { connection: app.notifications.redis, prefix: redisPrefix });
  t.teardown(() => queue.close());
  const [job] = await queue.getJobs(['completed', 'active', 'waiting', 'delayed']);
  t.ok(job, 'the send-digest job');
  t.same(Object.keys(job!.data).sort(), ['digestRunId', 'userId']);
  t.notMatch(JSON.stringify(job!.data), /@/, 'no address in Redis');
  const [row] = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ content: { to: string; html: string } }>>(
      `select content from tresta_email_deliveries where digest_run_id = ?`,
      [job!.data.digestRunId],
    );
  t.equal(row?.content.to, 'hal@example.test');
  t.equal(row?.content.html, digestsTo('hal')[0]!.body.html, 'what was sent is what the row holds');
});

t.test('a digest rendered by a run that then died keeps its notifications and its bytes when taken up again', async (t) => {
  const { app } = await digestApp(t);
  const { orm, redis } = app.notifications;
  const channel: EmailChannel = {
    mailer: createMailboxMailer(orm),
    quota: new QuotaGuard({ redis, orm, prefix: 'unused', dailyLimit: 100, perUserHourlyLimit: 100 }),
    unsubscribe: new UnsubscribeLinks(
      new TextEncoder().encode('digest-test-secret-0123456789abcdefghij'),
      'https://tresta.test/u',
      60,
    ),
    alerter: new Alerter(redis, 'unused', null),
    brand: DEFAULT_BRAND,
    from: 'Tresta <notifications@tresta.test>',
    appUrl: 'https://tresta.test',
    resolveRecipient: recipientOf,
  };
  const composer = { orm, channel, digestTypes: ['NEW_TESTIMONIAL'] };
  const connection = orm.em.getConnection();
  await app.notifications.notify({ userId: 'ivy', type: 'NEW_TESTIMONIAL', title: 'Before the crash', message: 'm' });
  const [row] = await connection.execute<Array<{ id: string }>>(
    `insert into tresta_digest_runs (id, user_id, period, period_key, status, window_end)
     values (gen_random_uuid(), 'ivy', 'daily', '2030-01-08', 'pending', now()) returning id`,
  );
  const digest = {
    row: { id: row!.id, userId: 'ivy', period: 'daily' as const, periodKey: '2030-01-08' },
    recipient: { email: 'ivy@example.test' },
  };

  t.same([...(await takeAndRender(composer, [digest], '2030-01-08'))], [row!.id], 'rendered');
  const contentOf = async () =>
    (
      await connection.execute<Array<{ content: string }>>(
        'select content::text as content from tresta_email_deliveries where digest_run_id = ?',
        [row!.id],
      )
    )[0]?.content;
  const first = await contentOf();
  // The run dies before its job is enqueued; a notification arrives; the run is taken up again.
  await app.notifications.notify({ userId: 'ivy', type: 'NEW_TESTIMONIAL', title: 'After the crash', message: 'm' });
  t.same([...(await takeAndRender(composer, [digest], '2030-01-08'))], [row!.id], 'ready again');
  t.equal(await contentOf(), first, 'the same bytes: the Idempotency-Key matches what the provider may have seen');
  t.match(first, /Before the crash/);
  t.notMatch(first, /After the crash/);
  const untaken = await connection.execute<Array<{ title: string }>>(
    `select title from tresta_notifications where user_id = 'ivy' and digest_run_id is null`,
  );
  t.same(untaken, [{ title: 'After the crash' }], 'the newcomer waits for the next digest');
});

t.test("Resend's daily_quota_exceeded on a digest: carried, its notifications released to the next one", async (t) => {
  const { app } = await digestApp(t);
  const connection = app.notifications.orm.em.getConnection();
  await setPreferences(app, 'kit', { digestHour: 0 });
  await app.notifications.notify({ userId: 'kit', type: 'NEW_TESTIMONIAL', title: 'Refused by the provider', message: 'm' });
  resend.inject({ status: 429, name: 'daily_quota_exceeded' });
  const now = Date.now();
  await runner(app).runJob('digest', { now: new Date(now) });
  const statusOf = async () =>
    (await connection.execute<Array<{ status: string }>>(`select status from tresta_digest_runs where user_id = 'kit'`))[0]
      ?.status;
  await until(statusOf, (status) => status === 'carried', 'the digest carried');
  const [released] = await connection.execute<Array<{ digest_run_id: string | null }>>(
    `select digest_run_id from tresta_notifications where user_id = 'kit'`,
  );
  t.equal(released?.digest_run_id, null, 'the notification is free for the next digest');
  t.equal(digestsTo('kit').length, 0);

  const next = await runner(app).runJob('digest', { now: new Date(now + DAY_MS) });
  t.match(next, { status: 'completed', outcome: { sent: 1 } });
  const [email] = await until(
    async () => digestsTo('kit'),
    (sent) => sent.length === 1,
    'the next day’s digest',
  );
  t.match(email!.body.text, /Refused by the provider/, 'listed by the next digest');
});
