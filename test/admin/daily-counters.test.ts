import t from 'tap';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { DailyCounters } from '../../plugin/metrics/daily-counters.js';
import { resolveWorkerOptions } from '../../plugin/startup/options.js';
import { startProcessServices } from '../../plugin/startup/start.js';
import { utcDay } from '../../plugin/time/utc-day.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';

const today = () => utcDay(new Date());

t.test('increments are summed in memory and written as one batch; readers see the totals once flushed', async (t) => {
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const prefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  const counters = new DailyCounters(redis, prefix);

  const written = Array.from({ length: 50 }, (_, i) => counters.increment('emails_sent', { kind: i % 2 ? 'high' : 'low' }));
  t.equal(await redis.exists(`${prefix}:metrics:emails_sent:${today()}`), 0, 'nothing reaches Redis per increment');

  await counters.flush();
  await Promise.all(written);
  t.equal((await counters.lastDays('emails_sent')).at(-1)?.count, 50, "the day's count holds every increment");
  t.same(await counters.total('emails_sent'), { high: 25, low: 25 }, 'and so does the running total, by kind');

  await counters.flush();
  t.same(await counters.total('emails_sent'), { high: 25, low: 25 }, 'a flush with nothing new writes nothing');
});

t.test("closing a process's services writes the counts still in memory", async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const prefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  const options = resolveWorkerOptions({ database: { url: db.url }, redis: { url: REDIS_URL, prefix } });
  const services = await startProcessServices(options, Fastify().log, null);

  const written = [services.counters.increment('notifications_sent'), services.counters.increment('notifications_sent')];
  await services.close();
  await Promise.all(written);

  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  t.equal(await redis.get(`${prefix}:metrics:notifications_sent:${today()}`), '2', 'the close flushed them');
});
