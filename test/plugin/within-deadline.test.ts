import t from 'tap';
import { Redis } from 'ioredis';
import { answersWithin } from '../../plugin/time/within-deadline.js';
import { REDIS_URL } from '../helpers/services.js';

t.test('a dependency check: true when it answers, false when it fails, throws or hangs past the deadline', async (t) => {
  t.equal(await answersWithin(async () => 'pong', 1_000), true);
  t.equal(await answersWithin(async () => Promise.reject(new Error('refused')), 1_000), false);
  t.equal(
    await answersWithin(() => {
      throw new Error('thrown before any promise');
    }, 1_000),
    false,
  );
  t.equal(await answersWithin(() => new Promise(() => {}), 50), false, 'a hung check is answered false at the deadline');
});

t.test('a reply that arrived while the process was busy past the deadline still counts', async (t) => {
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  await redis.ping();
  const answered = answersWithin(() => redis.ping(), 50);
  // The PING is on the wire; the process is now busy for forty deadlines, during which Redis answers
  // (given two seconds even on a loaded machine, where 300 ms once was not enough). Afterwards the
  // expired timer and the reply are due together, and the timer runs first.
  const busyUntil = Date.now() + 2_000;
  while (Date.now() < busyUntil);
  t.equal(await answered, true, 'Redis answered: not reported down because of our own stall');
});
