import t from 'tap';
import { setupServer } from 'msw/node';
import type { TestApp } from '../../helpers/app.js';
import { createResendFake } from '../../fakes/resend.js';
import { at, digestApp, seedNotifications, setPreferences, until } from './helpers.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

// 2030-01-07 is a Monday.
const TUESDAY = at('2030-01-08T09:00:00Z');
const MONDAY = at('2030-01-14T09:00:00Z');


const digestsTo = (userId: string) => resend.sent.filter((email) => email.body.to === `${userId}@example.test`);
const runner = (app: TestApp['app']) => app.notifications.workers!.scheduled;

t.test('daily users get one email listing what is new; none, weekly (on a Tuesday), unsubscribed or off get none', async (t) => {
  const { app } = await digestApp(t);
  await setPreferences(app, 'wes', { digest: 'weekly' });
  await setPreferences(app, 'uma', { emailEnabled: false });
  await setPreferences(app, 'otto', { digest: 'off' });
  await setPreferences(app, 'tina', { types: { NEW_TESTIMONIAL: { inApp: true, email: false } } });
  const before = at('2030-01-07T15:00:00Z');
  await seedNotifications(app, [
    ...Array.from({ length: 5 }, (_, i) => ({ userId: 'ada', title: `Ada's testimonial #${i + 1}`, createdAt: before })),
    { userId: 'bob', type: 'SECURITY_ALERT', createdAt: before },
    { userId: 'wes', createdAt: before },
    { userId: 'wes', type: 'TESTIMONIAL_APPROVED', createdAt: before },
    ...['uma', 'otto', 'tina'].map((userId) => ({ userId, createdAt: before })),
  ]);

  const tuesday = await runner(app).runJob('digest', { now: TUESDAY });
  t.match(tuesday, { job: 'digest', period: '2030-01-08', status: 'completed', outcome: { sent: 1, carried: 0 } });
  // bob (only a critical type) and tina (the type's email off) have nothing for a digest; wes has,
  // but his weekly digest is not due on a Tuesday.
  t.equal(tuesday.status === 'completed' && tuesday.outcome.skipped, 1, "wes's weekly digest waits for Monday");
  const [email] = await until(
    async () => digestsTo('ada'),
    (sent) => sent.length === 1,
    "ada's digest",
  );
  t.equal(email!.idempotencyKey, 'digest/ada/2030-01-08');
  t.equal(email!.body.subject, 'Your daily digest: 5 new notifications');
  for (let i = 1; i <= 5; i++) t.match(email!.body.html, `Ada&#39;s testimonial #${i}`, `lists #${i}`);
  t.match(email!.body.headers, {
    'List-Unsubscribe': /^<https:\/\/tresta\.test\/api\/notifications\/unsubscribe\?token=.+>$/,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  t.match(email!.body.text, /Unsubscribe: https:\/\/tresta\.test\/api\/notifications\/unsubscribe\?token=/);
  for (const userId of ['bob', 'wes', 'uma', 'otto', 'tina']) t.same(digestsTo(userId), [], `${userId}: no digest on Tuesday`);

  // One click on the digest's List-Unsubscribe URL (RFC 8058): no digest after that.
  const unsubscribeUrl = new URL(email!.body.headers!['List-Unsubscribe']!.slice(1, -1));
  const unsubscribe = await app.inject({
    method: 'POST',
    url: `${unsubscribeUrl.pathname}${unsubscribeUrl.search}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  t.equal(unsubscribe.statusCode, 200, 'one-click unsubscribe');
  await seedNotifications(app, [{ userId: 'ada', title: 'After unsubscribing', createdAt: at('2030-01-08T12:00:00Z') }]);
  const wednesday = await runner(app).runJob('digest', { now: at('2030-01-09T09:00:00Z') });
  t.match(wednesday, { status: 'completed', outcome: { sent: 0 } }, 'ada unsubscribed: nothing for her');

  const again = await runner(app).runJob('digest', { now: TUESDAY });
  t.match(again, { status: 'already-completed', outcome: { sent: 1 } }, 'the period is fenced');

  const monday = await runner(app).runJob('digest', { now: MONDAY });
  t.match(monday, { status: 'completed', outcome: { sent: 1, carried: 0 } });
  const [weekly] = await until(
    async () => digestsTo('wes'),
    (sent) => sent.length === 1,
    "wes's weekly digest",
  );
  t.equal(weekly!.body.subject, 'Your weekly digest: 2 new notifications');
  t.equal(digestsTo('ada').length, 1, 'ada had nothing new since her digest');
  for (const userId of ['uma', 'otto', 'tina']) t.same(digestsTo(userId), [], `${userId}: still none`);
});

t.test('a missed day: the next digest lists everything since the last one, not only the last 24 h', async (t) => {
  const { app } = await digestApp(t);
  await seedNotifications(app, [{ userId: 'mia', title: 'First', createdAt: at('2030-02-03T10:00:00Z') }]);
  await runner(app).runJob('digest', { now: at('2030-02-04T09:00:00Z') });
  await until(
    async () => digestsTo('mia'),
    (sent) => sent.length === 1,
    'the first digest',
  );
  await seedNotifications(app, [
    { userId: 'mia', title: 'Just after the digest ran', createdAt: at('2030-02-04T09:30:00Z') },
    { userId: 'mia', title: 'Two days later', createdAt: at('2030-02-06T08:00:00Z') },
  ]);
  // No run on the 5th (the scheduler missed it); the 6th's run catches both.
  await runner(app).runJob('digest', { now: at('2030-02-06T09:00:00Z') });
  const sent = await until(
    async () => digestsTo('mia'),
    (emails) => emails.length === 2,
    'the second digest',
  );
  t.equal(sent[1]!.body.subject, 'Your daily digest: 2 new notifications');
  t.match(sent[1]!.body.text, /Just after the digest ran/);
  t.match(sent[1]!.body.text, /Two days later/);
  t.notMatch(sent[1]!.body.text, /First/, 'what the first digest listed is not listed again');
});

t.test('budget 5, eight digest users: 5 sent today, 3 carried and sent by the next run', async (t) => {
  const { app, redisPrefix } = await digestApp(t, { dailyLimit: 5, criticalReserve: 0 });
  const users = Array.from({ length: 8 }, (_, i) => `user_${i}`);
  await seedNotifications(
    app,
    users.map((userId) => ({ userId, createdAt: at('2030-03-04T12:00:00Z') })),
  );
  const today = await runner(app).runJob('digest', { now: at('2030-03-05T09:00:00Z') });
  t.match(today, { status: 'completed', outcome: { sent: 5, skipped: 0, carried: 3 } });
  await until(
    async () => users.filter((u) => digestsTo(u).length > 0),
    (done) => done.length === 5,
    'five digests',
  );
  t.equal(await app.notifications.redis.get(`${redisPrefix}:email:quota:locked`), '2030-03-05', 'the quota lock is set');

  const tomorrow = await runner(app).runJob('digest', { now: at('2030-03-06T09:00:00Z') });
  t.match(tomorrow, { status: 'completed', outcome: { sent: 3, carried: 0 } });
  await until(
    async () => users.filter((u) => digestsTo(u).length > 0),
    (done) => done.length === 8,
    'the three carried digests',
  );
  for (const userId of users) t.equal(digestsTo(userId).length, 1, `${userId}: exactly one digest`);
  const carried = resend.sent.filter((email) => email.idempotencyKey?.endsWith('/2030-03-06'));
  t.equal(carried.length, 3, 'the carried users are sent under the next day’s key');
});
