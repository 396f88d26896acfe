import t from 'tap';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';

t.test('two instances share one per-user budget; the 429 says when to retry', async (t) => {
  const a = await buildTestApp(t, { apiRateLimitPerMinute: 5 });
  const b = await buildSecondInstance(t, a, { apiRateLimitPerMinute: 5 });
  b.get('/host-route', async () => ({ ok: true }));
  const headers = await a.authFor('busy_user');

  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const instance = i % 2 === 0 ? a.app : b;
    const res = await instance.inject({ url: '/api/notifications/unread-count', headers });
    statuses.push(res.statusCode);
    t.equal(res.headers['x-ratelimit-remaining'], String(4 - i), `remaining after request ${i + 1}`);
  }
  t.same(statuses, [200, 200, 200, 200, 200]);

  const limited = await b.inject({ url: '/api/notifications/unread-count', headers });
  t.equal(limited.statusCode, 429, 'the sixth request in the minute, on either instance, is refused');
  t.match(limited.json(), { statusCode: 429, code: 'TRESTA_ERR_RATE_LIMITED', error: 'Too Many Requests' });
  t.match(limited.headers, {
    'retry-after': /^\d+$/,
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': /^\d+$/,
  });
  t.equal((await a.app.inject({ url: '/api/notifications', headers })).statusCode, 429, 'the other instance agrees');

  const key = `${a.redisPrefix}:ratelimit:api:notifications:busy_user`;
  t.equal(await a.app.notifications.redis.exists(key), 1, `the count lives at ${key}`);

  const other = await a.app.inject({ url: '/api/notifications/unread-count', headers: await a.authFor('calm_user') });
  t.equal(other.statusCode, 200, "another user's budget is their own");
  t.equal((await b.inject({ url: '/host-route' })).statusCode, 200, "the host's routes are not limited");
});
