import t from 'tap';
import { setupServer } from 'msw/node';
import type { TestApp } from '../../helpers/app.js';
import { createResendFake } from '../../fakes/resend.js';
import { at, digestApp, seedNotifications, setPreferences, until } from './helpers.js';

// Each user's digest goes out at their local digestHour (weekly ones on their local Monday), keyed
// by their local date; the schedule ticks hourly. The ticks here are the hourly ticks of real
// daylight-saving transition days in real IANA zones, run by the test (no wall clock involved).

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());


const HOUR_MS = 3_600_000;

/** Runs the digest at every hour from `first` to `last` (UTC), each user getting a new notification just before each tick. */
async function tickHourly(app: TestApp['app'], users: string[], first: string, last: string): Promise<void> {
  for (let tick = at(first).getTime(); tick <= at(last).getTime(); tick += HOUR_MS) {
    await seedNotifications(
      app,
      users.map((userId) => ({ userId, title: `Before ${new Date(tick).toISOString()}`, createdAt: new Date(tick - 60_000) })),
    );
    const run = await app.notifications.workers!.scheduled.runJob('digest', { now: new Date(tick) });
    if (run.status !== 'completed') throw new Error(`the digest at ${new Date(tick).toISOString()} did not run: ${run.status}`);
  }
}

/** Each user's digests: the local date each was for, and the tick that made it. */
async function digestsOf(app: TestApp['app'], userId: string): Promise<Array<[string, string]>> {
  const rows = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ period_key: string; window_end: Date }>>(
      `select period_key, window_end from tresta_digest_runs where user_id = ? and status <> 'skipped' order by period_key`,
      [userId],
    );
  return rows.map((row) => [row.period_key, new Date(row.window_end).toISOString()]);
}

const sentTo = (userId: string) => resend.sent.filter((email) => email.body.to === `${userId}@example.test`);

t.test('daylight saving starts (New York, 2030-03-10): the skipped 02:00 sends at 03:00, no day skipped', async (t) => {
  const { app } = await digestApp(t);
  await setPreferences(app, 'ny_spring', { timeZone: 'America/New_York', digestHour: 2 });
  await setPreferences(app, 'kolkata', { timeZone: 'Asia/Kolkata', digestHour: 9 });
  await setPreferences(app, 'auckland', { timeZone: 'Pacific/Auckland', digestHour: 9, digest: 'weekly' });
  const users = ['ny_spring', 'kolkata', 'auckland'];
  await tickHourly(app, users, '2030-03-09T06:00:00Z', '2030-03-12T05:00:00Z');

  t.same(
    await digestsOf(app, 'ny_spring'),
    [
      ['2030-03-09', '2030-03-09T07:00:00.000Z'],
      ['2030-03-10', '2030-03-10T07:00:00.000Z'],
      ['2030-03-11', '2030-03-11T06:00:00.000Z'],
    ],
    '02:00 EST, then 03:00 EDT (02:00 never happens that day), then 02:00 EDT',
  );
  t.same(
    await digestsOf(app, 'kolkata'),
    [
      ['2030-03-09', '2030-03-09T06:00:00.000Z'],
      ['2030-03-10', '2030-03-10T04:00:00.000Z'],
      ['2030-03-11', '2030-03-11T04:00:00.000Z'],
      ['2030-03-12', '2030-03-12T04:00:00.000Z'],
    ],
    'a half-hour zone: the first tick past 09:00 IST (09:30), once a day',
  );
  t.same(
    await digestsOf(app, 'auckland'),
    [['2030-03-11', '2030-03-10T20:00:00.000Z']],
    "weekly on the user's Monday at 09:00 NZDT, still Sunday in UTC",
  );
  await until(
    async () => users.map((userId) => sentTo(userId).length),
    (counts) => counts.join() === '3,4,1',
    'every digest sent',
  );
  t.same(
    sentTo('ny_spring').map((email) => email.idempotencyKey),
    ['digest/ny_spring/2030-03-09', 'digest/ny_spring/2030-03-10', 'digest/ny_spring/2030-03-11'],
    "keyed by the user's local date",
  );
});

t.test('daylight saving ends (New York, 2030-11-03): the repeated 01:00 sends once', async (t) => {
  const { app } = await digestApp(t);
  await setPreferences(app, 'ny_fall', { timeZone: 'America/New_York', digestHour: 1 });
  await tickHourly(app, ['ny_fall'], '2030-11-02T04:00:00Z', '2030-11-05T05:00:00Z');
  t.same(
    await digestsOf(app, 'ny_fall'),
    [
      ['2030-11-02', '2030-11-02T05:00:00.000Z'],
      ['2030-11-03', '2030-11-03T05:00:00.000Z'],
      ['2030-11-04', '2030-11-04T06:00:00.000Z'],
    ],
    '01:00 EDT; the first 01:00 of the long day (not the second, an hour later); 01:00 EST',
  );
  const sent = await until(
    async () => sentTo('ny_fall'),
    (emails) => emails.length === 3,
    'the three digests',
  );
  // Every notification is in exactly one digest: the counts add up to what was written up to the last one.
  const listed = sent.map((email) => Number(/: (\d+) new notification/.exec(email.body.subject)?.[1]));
  const [untaken] = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ count: number }>>(
      `select count(*)::int as count from tresta_notifications where user_id = 'ny_fall' and digest_run_id is null`,
    );
  t.equal(
    listed.reduce((sum, n) => sum + n, 0) + untaken!.count,
    74,
    'each of the 74 notifications in one digest, or still waiting',
  );
  t.same(listed, [2, 24, 25], 'the long day (25 hours) lists 25');
});

t.test('preferences: timeZone and digestHour are validated and returned', async (t) => {
  const { app, authFor } = await digestApp(t);
  const headers = await authFor('pat');
  const put = (payload: Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers, payload });
  const before = await app.inject({ url: '/api/notifications/preferences', headers });
  t.match(before.json(), { timeZone: 'UTC', digestHour: 9 }, 'the defaults');
  const updated = await put({ timeZone: 'Europe/Paris', digestHour: 7 });
  t.equal(updated.statusCode, 200);
  t.match(updated.json(), { timeZone: 'Europe/Paris', digestHour: 7, digest: 'daily' });
  for (const payload of [{ timeZone: 'Mars/Olympus_Mons' }, { timeZone: '' }, { digestHour: 24 }, { digestHour: 1.5 }]) {
    const refused = await put(payload);
    t.equal(refused.statusCode, 400, JSON.stringify(payload));
    t.match(refused.json().code, /^(TRESTA_ERR_PREFERENCES_INVALID|FST_ERR_VALIDATION)$/);
  }
  t.match((await app.inject({ url: '/api/notifications/preferences', headers })).json(), {
    timeZone: 'Europe/Paris',
    digestHour: 7,
  });
});
