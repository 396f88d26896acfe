import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { QuotaGuard } from '../../plugin/quota/quota-guard.js';
import { buildTestApp } from '../helpers/app.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { REDIS_URL } from '../helpers/services.js';

async function guardFor(
  t: Test,
  options: { dailyLimit?: number; criticalReserve?: number; perUserHourlyLimit?: number; redisUrl?: string } = {},
) {
  const { app } = await buildTestApp(t);
  const redis = new Redis(options.redisUrl ?? REDIS_URL);
  t.teardown(() => redis.disconnect());
  const prefix = `tresta-test-quota-${randomBytes(4).toString('hex')}`;
  const guard = new QuotaGuard({
    redis,
    orm: app.notifications.orm,
    prefix,
    dailyLimit: options.dailyLimit ?? 200,
    criticalReserve: options.criticalReserve ?? 0,
    perUserHourlyLimit: options.perUserHourlyLimit ?? 1_000_000,
  });
  return { guard, redis, prefix, orm: app.notifications.orm };
}

async function guardWithPrefix(t: Test, redis: Redis, prefix: string, dailyLimit: number) {
  const { app } = await buildTestApp(t);
  return { guard: new QuotaGuard({ redis, orm: app.notifications.orm, prefix, dailyLimit, perUserHourlyLimit: 1_000 }) };
}

t.test('1,000 concurrent normal reservations, limit 250 with a reserve of 50, 50 high-priority ones in the burst', async (t) => {
  const { guard } = await guardFor(t, { dailyLimit: 250, criticalReserve: 50 });
  const attempts = [
    ...Array.from({ length: 1_000 }, (_, i) =>
      guard.reserve({ emailKey: `normal-${i}`, userId: `u${i}`, priority: 'normal', recipients: 1 }),
    ),
    ...Array.from({ length: 50 }, (_, i) =>
      guard.reserve({ emailKey: `high-${i}`, userId: `h${i}`, priority: 'high', recipients: 1 }),
    ),
  ];
  const results = await Promise.all(attempts);
  const normal = results.slice(0, 1_000);
  const high = results.slice(1_000);
  const normalReserved = normal.filter((r) => r.outcome === 'reserved').length;
  // The critical ones count in the same total: normal email got what they left of limit − reserve.
  t.ok(normalReserved >= 150 && normalReserved <= 200, `normal email within limit − reserve (${normalReserved})`);
  t.equal(normal.filter((r) => r.outcome === 'budget-spent').length, 1_000 - normalReserved, 'the rest told to wait, none lost');
  t.ok(
    high.every((r) => r.outcome === 'reserved'),
    'every high-priority email passes',
  );
  const again = await guard.reserve({ emailKey: 'high-0', userId: 'h0', priority: 'high', recipients: 1 });
  t.match(again, { outcome: 'already-reserved', used: normalReserved + 50 }, 'a retry counts nothing');
  t.same(
    await guard.usage(),
    { used: normalReserved + 50, limit: 250, reserve: 50, remaining: 0 },
    'every email is counted in one total',
  );
  t.equal(await guard.isLocked(), true, 'the budget spent: the day is locked for normal email');
});

t.test('limit 20, reserve 4: 5 critical then 30 normal → 11 normal; then critical fills the reserve and beyond', async (t) => {
  const { guard } = await guardFor(t, { dailyLimit: 20, criticalReserve: 4 });
  const reserve = (key: string, priority: 'high' | 'normal') =>
    guard.reserve({ emailKey: key, userId: key, priority, recipients: 1 });
  for (let i = 0; i < 5; i++) t.equal((await reserve(`c${i}`, 'high')).outcome, 'reserved');
  const normal = [];
  for (let i = 0; i < 30; i++) normal.push((await reserve(`n${i}`, 'normal')).outcome);
  t.equal(normal.filter((outcome) => outcome === 'reserved').length, 11, '16 − 5 critical = 11 normal');
  t.same(normal.slice(11), Array(19).fill('budget-spent'), 'then every normal one waits');
  t.match(await guard.usage(), { used: 16, remaining: 0 });
  for (let i = 5; i < 10; i++) t.equal((await reserve(`c${i}`, 'high')).outcome, 'reserved', `critical #${i + 1} goes out`);
  t.match(
    await guard.usage(),
    { used: 21, limit: 20, reserve: 4, remaining: 0 },
    'critical email is never refused, even past the cap',
  );
});

t.test('each recipient counts, and a retry of the same email never counts twice', async (t) => {
  const { guard } = await guardFor(t, { dailyLimit: 5 });
  t.match(await guard.reserve({ emailKey: 'a', userId: 'u', priority: 'normal', recipients: 3 }), {
    outcome: 'reserved',
    used: 3,
  });
  t.match(await guard.reserve({ emailKey: 'a', userId: 'u', priority: 'normal', recipients: 3 }), {
    outcome: 'already-reserved',
    used: 3,
  });
  t.match(await guard.reserve({ emailKey: 'b', userId: 'u', priority: 'normal', recipients: 3 }), {
    outcome: 'budget-spent',
    used: 3,
  });
  t.match(await guard.reserve({ emailKey: 'c', userId: 'u', priority: 'normal', recipients: 2 }), {
    outcome: 'reserved',
    used: 5,
  });
});

t.test('10 emails per user per hour; critical email is counted but never held back', async (t) => {
  const { guard } = await guardFor(t, { perUserHourlyLimit: 10 });
  for (let i = 0; i < 10; i++) await guard.reserve({ emailKey: `e${i}`, userId: 'busy', priority: 'normal', recipients: 1 });
  const eleventh = await guard.reserve({ emailKey: 'e10', userId: 'busy', priority: 'normal', recipients: 1 });
  t.equal(eleventh.outcome, 'user-limited');
  t.ok(eleventh.outcome === 'user-limited' && eleventh.retryAfterSeconds > 3_500 && eleventh.retryAfterSeconds <= 3_600);
  t.equal((await guard.reserve({ emailKey: 'other', userId: 'calm', priority: 'normal', recipients: 1 })).outcome, 'reserved');
  const alert = await guard.reserve({ emailKey: 'alert', userId: 'busy', priority: 'high', recipients: 1 });
  t.equal(alert.outcome, 'reserved', 'a security alert goes out at once');
});

t.test('sends either side of midnight UTC count on their own days', async (t) => {
  const { guard, redis } = await guardFor(t, { dailyLimit: 1 });
  const before = new Date('2026-11-24T23:59:59.900Z');
  const after = new Date('2026-11-25T00:00:00.100Z');
  t.equal(
    (await guard.reserve({ emailKey: 'late', userId: 'u', priority: 'normal', recipients: 1, now: before })).outcome,
    'reserved',
  );
  t.equal(
    (await guard.reserve({ emailKey: 'early', userId: 'v', priority: 'normal', recipients: 1, now: after })).outcome,
    'reserved',
  );
  t.equal(await redis.get(guard.dayKey('2026-11-24')), '1');
  t.equal(await redis.get(guard.dayKey('2026-11-25')), '1');
  const ttl = await redis.ttl(guard.dayKey('2026-11-24'));
  t.ok(ttl > 0 && ttl <= 3_601, `the day's key expires an hour after its midnight (ttl ${ttl})`);
});

t.test('Redis FLUSHALL after 150 sends: the count is rebuilt from Postgres, 50 more that day', async (t) => {
  const privateRedis = await startPrivateRedis();
  t.teardown(() => privateRedis.stop());
  const { guard, redis, orm } = await guardFor(t, { redisUrl: privateRedis.url });
  const now = new Date();
  for (let i = 0; i < 150; i++)
    await guard.reserve({ emailKey: `sent-${i}`, userId: `u${i}`, priority: 'normal', recipients: 1, now });
  await orm.em.getConnection().execute(
    `insert into tresta_email_deliveries (id, user_id, status, idempotency_key, quota_date, recipients)
     select gen_random_uuid(), 'u' || i, 'sent', 'sent-' || i, ?::date, 1 from generate_series(0, 149) as i`,
    [now.toISOString().slice(0, 10)],
  );
  await redis.flushall();
  await redis.script('FLUSH');
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      guard.reserve({ emailKey: `after-${i}`, userId: `w${i}`, priority: 'normal', recipients: 1, now }),
    ),
  );
  t.equal(results.filter((r) => r.outcome === 'reserved').length, 50, 'only the 50 left of 200');
});

t.test('the lock: set when the budget is spent or the provider says so, for that UTC day only', async (t) => {
  const { guard } = await guardFor(t, { dailyLimit: 1 });
  const noon = new Date('2026-11-24T12:00:00.000Z');
  t.equal(await guard.isLocked(noon), false);
  t.equal(
    (await guard.reserve({ emailKey: 'one', userId: 'u', priority: 'normal', recipients: 1, now: noon })).outcome,
    'reserved',
  );
  t.equal(await guard.isLocked(noon), true, 'the last place taken locks the day');
  t.same(await guard.nextRetryAt(noon), new Date('2026-11-25T00:00:00.000Z'));
  t.equal(await guard.isLocked(new Date('2026-11-25T00:00:00.100Z')), false, 'a new day is open');

  const { guard: other } = await guardFor(t, { dailyLimit: 100 });
  await other.lockUntilNextDay(noon);
  const refused = await other.reserve({ emailKey: 'x', userId: 'u', priority: 'normal', recipients: 1, now: noon });
  t.equal(refused.outcome, 'budget-spent', "after the provider's daily_quota_exceeded, normal email waits");
  const critical = await other.reserve({ emailKey: 'y', userId: 'u', priority: 'high', recipients: 1, now: noon });
  t.equal(critical.outcome, 'reserved', 'critical email still goes');

  const { guard: raised, redis, prefix } = await guardFor(t, { dailyLimit: 1 });
  await raised.reserve({ emailKey: 'one', userId: 'u', priority: 'normal', recipients: 1, now: noon });
  t.equal(await raised.isLocked(noon), true);
  const { guard: afterRestart } = await guardWithPrefix(t, redis, prefix, 5);
  const next = await afterRestart.reserve({ emailKey: 'two', userId: 'u', priority: 'normal', recipients: 1, now: noon });
  t.equal(next.outcome, 'reserved', 'a raised limit applies at once: our own lock is informative, the count decides');
});
