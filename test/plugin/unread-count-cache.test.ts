import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { runRetention } from '../../plugin/jobs/scheduled/retention.js';
import { UnreadCounts } from '../../plugin/services/unread-counts.js';
import { buildSecondInstance, buildTestApp, type TestApp } from '../helpers/app.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const USERS = ['ada', 'bob', 'team:cy'];
const STEPS = 150;
const note = (userId: string, title: string) => ({ userId, type: 'TESTIMONIAL_APPROVED', title, message: 'm' });

/** A small seeded generator (mulberry32): the same seed gives the same operations in the same steps. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    below: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
  };
}

/** The definition the cache must agree with: unread and in the inbox. */
async function countInPostgres(test: TestApp, userId: string): Promise<number> {
  const [row] = await test.app.notifications.orm.em
    .getConnection()
    .execute<Array<{ count: number }>>(
      'select count(*)::int as count from tresta_notifications where user_id = ? and is_read = false and is_archived = false',
      [userId],
    );
  return row?.count ?? 0;
}

async function countFromRoute(app: FastifyInstance, headers: Record<string, string>): Promise<number> {
  const res = await app.inject({ url: '/api/notifications/unread-count', headers });
  if (res.statusCode !== 200) throw new Error(`unread-count answered ${res.statusCode}: ${res.body}`);
  return res.json().count;
}

/** What Redis keeps under the deployment's prefix, all of it gone, as after a FLUSHALL of a Redis of its own. */
async function flushPrefix(test: TestApp): Promise<void> {
  const { redis } = test.app.notifications;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${test.redisPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

t.test(
  'three instances, one database and prefix, random concurrent writes, reads and Redis losses: every count is exact after every step',
  async (t) => {
    const first = await buildTestApp(t, { apiRateLimitPerMinute: 1_000_000 });
    const others = [
      await buildSecondInstance(t, first, { apiRateLimitPerMinute: 1_000_000 }),
      await buildSecondInstance(t, first, { apiRateLimitPerMinute: 1_000_000 }),
    ];
    const instances = [first.app, ...others];
    const headersOf = Object.fromEntries(await Promise.all(USERS.map(async (userId) => [userId, await first.authFor(userId)])));
    // Retention runs in a worker process: its own cache handle under the same prefix.
    const workerCounts = new UnreadCounts({
      redis: first.app.notifications.redis,
      prefix: first.redisPrefix,
      log: first.app.log,
    });
    const random = seeded(20261206);
    const connection = first.app.notifications.orm.em.getConnection();
    const someNotification = async (userId: string, condition: string) => {
      const rows = await connection.execute<Array<{ id: string }>>(
        `select id from tresta_notifications where user_id = ? and ${condition} order by id`,
        [userId],
      );
      return rows.length === 0 ? null : (random.pick(rows).id as string);
    };
    const patch = async (app: FastifyInstance, userId: string, condition: string, change: Record<string, boolean>) => {
      const id = await someNotification(userId, condition);
      if (id === null) return;
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/notifications/${id}`,
        headers: headersOf[userId],
        payload: change,
      });
      // A retention running beside it may have deleted the row since it was picked.
      if (res.statusCode !== 200 && res.statusCode !== 404) throw new Error(`PATCH answered ${res.statusCode}: ${res.body}`);
    };

    let written = 0;
    const operations: Record<string, (app: FastifyInstance, userId: string) => Promise<unknown>> = {
      notify: (app, userId) =>
        app.notifications.notifyMany(Array.from({ length: 1 + random.below(3) }, () => note(userId, `n${written++}`))),
      // The host's transaction: the count may change only when it commits.
      notifyInTransaction: (app, userId) =>
        app.notifications.orm.em.transactional((em) => app.notifications.notify(note(userId, `t${written++}`), { em })),
      notifyInSavepoint: (app, userId) =>
        app.notifications.orm.em.transactional((em) =>
          em.transactional((inner) => app.notifications.notify(note(userId, `s${written++}`), { em: inner })),
        ),
      notifyRolledBack: (app, userId) =>
        app.notifications.orm.em
          .transactional(async (em) => {
            await app.notifications.notify(note(userId, `r${written++}`), { em });
            throw new Error('the host changes its mind');
          })
          .catch(() => undefined),
      read: (app, userId) => patch(app, userId, 'is_read = false', { isRead: true }),
      unread: (app, userId) => patch(app, userId, 'is_read = true', { isRead: false }),
      archive: (app, userId) => patch(app, userId, 'is_archived = false', { isArchived: true }),
      unarchive: (app, userId) => patch(app, userId, 'is_archived = true', { isArchived: false }),
      markAllRead: (app, userId) =>
        app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers: headersOf[userId], payload: {} }),
      archiveRead: (app, userId) =>
        app.inject({ method: 'POST', url: '/api/notifications/archive-read', headers: headersOf[userId], payload: {} }),
      retention: () =>
        runRetention(
          {
            orm: first.app.notifications.orm,
            retention: { deliveryLogDays: 30, readNotificationsDays: 0, batchSize: 2 },
            unreadCounts: workerCounts,
          },
          new Date(Date.now() + 1_000),
        ),
      flush: () => flushPrefix(first),
      // Reads beside the writes: the ones that could cache a count a write is about to change.
      count: (app, userId) => countFromRoute(app, headersOf[userId]),
    };
    // Reads and the commonest writes weigh more.
    const deck = [
      ...Object.keys(operations),
      'notify',
      'notify',
      'read',
      'read',
      'unread',
      'archive',
      'count',
      'count',
      'count',
      'count',
    ];

    const done: Record<string, number> = {};
    for (let step = 0; step < STEPS; step++) {
      const batch = Array.from({ length: 1 + random.below(5) }, () => ({
        name: random.pick(deck),
        app: random.pick(instances),
        userId: random.pick(USERS),
      }));
      await Promise.all(batch.map(({ name, app, userId }) => (operations[name] as (typeof operations)['count'])(app, userId)));
      for (const { name } of batch) done[name] = (done[name] ?? 0) + 1;

      const mismatches: string[] = [];
      for (const userId of USERS) {
        const expected = await countInPostgres(first, userId);
        for (const [index, app] of instances.entries()) {
          const served = await countFromRoute(app, headersOf[userId]);
          if (served !== expected) mismatches.push(`${userId} on instance ${index}: ${served}, Postgres ${expected}`);
        }
      }
      if (mismatches.length > 0) {
        t.fail(`step ${step} (${batch.map((op) => op.name).join(', ')}): ${mismatches.join('; ')}`);
        return;
      }
    }
    t.pass(`${STEPS} steps, every count equal to Postgres's after each`);
    t.ok(
      Object.keys(operations).every((name) => (done[name] ?? 0) > 0),
      `every operation ran: ${JSON.stringify(done)}`,
    );
  },
);

t.test('a cached count is answered without Postgres; a write drops it, and the next read counts again', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  await app.notifications.notifyMany([note('dee', 'one'), note('dee', 'two')]);
  const headers = await authFor('dee');
  const { orm } = app.notifications;
  const statements: string[] = [];
  // Every statement the ORM sends, named or not, passes through its knex instance's query event.
  const knex = orm.em.getConnection().getKnex();
  // Only statements on the notifications: nothing else this process might send meanwhile counts.
  const listener = (query: { sql: string }) => {
    if (query.sql.includes('tresta_notifications')) statements.push(query.sql);
  };
  knex.on('query', listener);
  t.teardown(() => void knex.off('query', listener));
  const countStatements = () => statements.filter((sql) => /count\(\*\)/i.test(sql)).length;

  t.equal(await countFromRoute(app, headers), 2);
  t.equal(countStatements(), 1, 'the first read counts in Postgres');
  statements.length = 0;
  for (let i = 0; i < 3; i++) t.equal(await countFromRoute(app, headers), 2);
  t.same(statements, [], 'the cached reads send no statement on the notifications to Postgres');

  const [first] = await orm.em
    .getConnection()
    .execute<Array<{ id: string }>>("select id from tresta_notifications where user_id = 'dee' order by id limit 1");
  statements.length = 0;
  await app.inject({ method: 'PATCH', url: `/api/notifications/${first?.id}`, headers, payload: { isRead: true } });
  t.equal(countStatements(), 1, "the write dropped the count: its real-time message's count came from Postgres");
  statements.length = 0;
  t.equal(await countFromRoute(app, headers), 1, 'the read is counted');
  t.same(statements, [], 'and cached again by that message');

  statements.length = 0;
  const res = await app.inject({ url: '/api/notifications/unread-count?category=general', headers });
  t.same(res.json(), { count: 0 });
  t.equal(countStatements(), 1, 'a category-filtered count is counted in Postgres');
});

t.test("a notify() in the host's transaction changes the count when the host commits, not before", async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const headers = await authFor('eve');
  t.equal(await countFromRoute(app, headers), 0, 'cached: 0');
  await app.notifications.orm.em.transactional(async (em) => {
    await app.notifications.notify(note('eve', 'pending'), { em });
    t.equal(await countFromRoute(app, headers), 0, 'uncommitted: still 0, and 0 stays cached');
  });
  t.equal(await countFromRoute(app, headers), 1, 'committed: 1');
});

t.test(
  'a count read before a write committed, arriving in Redis after that write dropped the cache, is not stored',
  async (t) => {
    const first = await buildTestApp(t);
    // The reader's instance reaches Postgres through a proxy that can hold Postgres's answers back.
    const link = await startTcpProxy(Number(new URL(first.db.url).port || 5432));
    t.teardown(() => link.close());
    const proxied = new URL(first.db.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(link.port);
    const reader = await buildSecondInstance(t, first, { database: { url: proxied.toString() } });
    const headers = await first.authFor('fay');
    const [, toRead] = await first.app.notifications.notifyMany([note('fay', 'kept'), note('fay', 'to read')]);
    // The reader's pool holds an open connection, so its next count needs nothing but that query.
    t.equal((await reader.inject({ url: '/api/notifications/unread-count?category=none', headers })).statusCode, 200);

    const connection = first.app.notifications.orm.em.getConnection();
    const [{ since } = { since: '' }] = await connection.execute<Array<{ since: string }>>(
      'select clock_timestamp()::text as since',
    );
    link.hold();
    const staleRead = countFromRoute(reader, headers);
    // Postgres has answered the reader's count (2), its answer still held: the snapshot is taken.
    await until(
      () =>
        connection.execute<Array<{ n: number }>>(
          `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and state = 'idle' and query_start > ?::timestamptz
           and query like 'select count(*)::int as count from tresta_notifications%'`,
          [since],
        ),
      (rows) => rows[0]?.n === 1,
      "the reader's count answered by Postgres",
    );
    // A write on the other instance commits and drops the cache; its real-time message caches 1.
    const patched = await first.app.inject({
      method: 'PATCH',
      url: `/api/notifications/${toRead?.id}`,
      headers,
      payload: { isRead: true },
    });
    t.equal(patched.statusCode, 200);
    link.release();
    t.equal(await staleRead, 2, 'the reader answers what it read, from before the write');

    t.equal(await countInPostgres(first, 'fay'), 1);
    t.equal(await countFromRoute(reader, headers), 1, 'but did not cache it: the reader now serves 1');
    t.equal(await countFromRoute(first.app, headers), 1, 'and so does the writer');
  },
);

t.test('retention drops the cached counts of every user it deleted from, batch by batch, and no others', async (t) => {
  const { app, redisPrefix } = await buildTestApp(t);
  const { orm, redis } = app.notifications;
  const sent = await app.notifications.notifyMany(['gus', 'hana', 'ivan', 'jo'].map((userId) => note(userId, 'old')));
  // Read, except jo's: retention deletes read notifications only.
  await orm.em.getConnection().execute(
    'update tresta_notifications set is_read = true, read_at = now() where id in (?, ?, ?)',
    sent.slice(0, 3).map((n) => n.id),
    'run',
  );
  const countKey = (userId: string) => `${redisPrefix}:unread:${userId}:count`;
  // A count cached for each user (what a read would have stored): retention must drop the ones it changes.
  for (const userId of ['gus', 'hana', 'ivan', 'jo', 'kim']) await redis.set(countKey(userId), '7');

  const outcome = await runRetention(
    {
      orm,
      retention: { deliveryLogDays: 30, readNotificationsDays: 0, batchSize: 1 },
      unreadCounts: new UnreadCounts({ redis, prefix: redisPrefix, log: app.log }),
    },
    new Date(Date.now() + 1_000),
  );
  t.equal(outcome.readNotifications, 3, 'three batches of one');
  for (const userId of ['gus', 'hana', 'ivan']) t.equal(await redis.exists(countKey(userId)), 0, `${userId}'s count dropped`);
  for (const userId of ['jo', 'kim'])
    t.equal(await redis.get(countKey(userId)), '7', `${userId}'s count kept: nothing of theirs went`);
});
