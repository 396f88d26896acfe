import t from 'tap';
import { Redis } from 'ioredis';
import { batchAllowance } from '../../plugin/routes/rate-limit-store.js';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { until } from '../helpers/until.js';

t.test('an instance counts exactly; the 429 says when to retry; another instance agrees once the batch is in', async (t) => {
  const a = await buildTestApp(t, { apiRateLimitPerMinute: 5 });
  const b = await buildSecondInstance(t, a, { apiRateLimitPerMinute: 5 });
  b.get('/host-route', async () => ({ ok: true }));
  const headers = await a.authFor('busy_user');

  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const res = await a.app.inject({ url: '/api/notifications/unread-count', headers });
    statuses.push(res.statusCode);
    t.equal(res.headers['x-ratelimit-remaining'], String(4 - i), `remaining after request ${i + 1}`);
  }
  t.same(statuses, [200, 200, 200, 200, 200]);

  const limited = await a.app.inject({ url: '/api/notifications/unread-count', headers });
  t.equal(limited.statusCode, 429, 'the sixth request in the minute is refused');
  t.match(limited.json(), { statusCode: 429, code: 'TRESTA_ERR_RATE_LIMITED', error: 'Too Many Requests' });
  t.match(limited.headers, {
    'retry-after': /^\d+$/,
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': /^\d+$/,
  });

  const key = `${a.redisPrefix}:ratelimit:api:notifications:busy_user`;
  await until(
    () => a.app.notifications.redis.get(key),
    (count) => count === '5',
    `the batch to bring ${key} to 5`,
  );
  t.equal((await b.inject({ url: '/api/notifications', headers })).statusCode, 429, 'the other instance agrees');

  const other = await a.app.inject({ url: '/api/notifications/unread-count', headers: await a.authFor('calm_user') });
  t.equal(other.statusCode, 200, "another user's budget is their own");
  t.equal((await b.inject({ url: '/host-route' })).statusCode, 200, "the host's routes are not limited");
});

t.test(
  'three instances: a sprayed user gets the limit within the documented overshoot, with no Redis call per request',
  async (t) => {
    const redis = await startPrivateRedis();
    t.teardown(() => redis.stop());
    const limit = 200;
    const instances = 3;
    const settings = { apiRateLimitPerMinute: limit, redis: { url: redis.url, prefix: 'tresta-rate' } };
    const a = await buildTestApp(t, settings);
    const apps = [a.app, await buildSecondInstance(t, a, settings), await buildSecondInstance(t, a, settings)];

    // Redis's own record of every command it ran: counts the rate limit's commands, whoever sent them.
    // MONITOR takes a connection of its own, opened beside the one it is asked on.
    const client = new Redis(redis.url);
    const monitor = await client.monitor();
    t.teardown(() => {
      monitor.disconnect();
      client.disconnect();
    });
    let rateLimitCommands = 0;
    let fenceSeen = false;
    // Commands a script runs are reported too, marked "lua": only what a client sent counts.
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((arg) => arg.includes(':ratelimit:'))) rateLimitCommands += 1;
      if (args.includes('rate-limit-test-fence')) fenceSeen = true;
    });

    // Twenty at a time, round robin over the instances, well past the limit.
    const spray = async (userId: string, total: number) => {
      const headers = await a.authFor(userId);
      const statuses: number[] = [];
      for (let sent = 0; sent < total; sent += 20) {
        const wave = Array.from({ length: Math.min(20, total - sent) }, (_, i) =>
          (apps[(sent + i) % instances] as (typeof apps)[number]).inject({ url: '/api/notifications/unread-count', headers }),
        );
        for (const res of await Promise.all(wave)) statuses.push(res.statusCode);
      }
      return statuses;
    };

    const overshoot = (instances - 1) * batchAllowance(limit);
    const sprayed = await spray('sprayer', 3 * limit);
    const admitted = sprayed.filter((status) => status === 200).length;
    t.ok(admitted >= limit, `at least the limit is admitted (${admitted} ≥ ${limit})`);
    t.ok(
      admitted <= limit + overshoot,
      `at most the limit plus (instances − 1) × allowance (${admitted} ≤ ${limit + overshoot})`,
    );
    t.same(
      sprayed.filter((status) => status !== 200 && status !== 429),
      [],
      'every answer is an admission or a 429',
    );

    const modest = await spray('modest', limit);
    t.same(
      modest.filter((status) => status !== 200),
      [],
      'a user who stays within the limit is never refused',
    );

    // Redis reports commands in the order it ran them: once the fence shows, everything before it did.
    await a.app.notifications.redis.echo('rate-limit-test-fence');
    await until(() => fenceSeen, Boolean, 'the monitor to see the fence');
    const requests = sprayed.length + modest.length;
    t.ok(
      rateLimitCommands * 5 < requests,
      `the rate limit ran ${rateLimitCommands} Redis commands for ${requests} requests: batches, not one per request`,
    );
  },
);
