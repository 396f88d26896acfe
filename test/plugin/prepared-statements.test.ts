import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import t from 'tap';
import trestaNotifications from '../../plugin/index.js';
import { countUnread, countUnreadStatement, listPage } from '../../plugin/data/notifications.js';
import { claimPending, markPublished } from '../../plugin/data/outbox.js';
import {
  namedStatementsOn,
  reportNamedStatementsOff,
  statementName,
  type NamedStatementLog,
} from '../../plugin/data/prepared.js';
import { applyMigrations } from '../../plugin/db/migrate.js';
import { openOrm } from '../../plugin/db/orm.js';
import { openEmbeddedDatabase } from '../../plugin/db/pglite.js';
import { createTestDatabase } from '../helpers/database.js';
import { startPrivatePgBouncer } from '../helpers/private-pgbouncer.js';
import { REDIS_URL } from '../helpers/services.js';
import { createTokenKit } from '../helpers/tokens.js';

// The hot statements (a list page, the unread count, the outbox claim and mark) run as named
// prepared statements where the pool keeps them, and unnamed where it cannot: on PGlite, inside a
// transaction, and behind a transaction pooler, which a first refusal reveals.

interface Prepared {
  name: string;
  from_sql: boolean;
  runs: number;
}

t.test('on a direct connection the hot statements are prepared in the session and run again from there', async (t) => {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  // One pooled session, so the statements below read what the route and the relay's calls left in it.
  await app.register(trestaNotifications, {
    database: { url: db.url, pool: { max: 1 } },
    redis: { url: REDIS_URL, prefix: `tresta-test-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: false,
  });
  await app.ready();
  await app.notifications.notifyMany(
    Array.from({ length: 3 }, (_, i) => ({ userId: 'ada', type: 'NEW_TESTIMONIAL', title: `#${i}`, message: 'm' })),
  );
  const em = () => app.notifications.orm.em.fork();
  const headers = { authorization: `Bearer ${await tokens.sign('ada', { expiresIn: '1h' })}` };
  // The route's first read counts in Postgres (the next is Redis's cached count): the statement's second run is direct.
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 3 }, 'unread-count');
  t.equal(await countUnread(em(), { userId: 'ada' }), 3, 'the count, run again');
  t.equal((await app.inject({ url: '/api/notifications?limit=20', headers })).json().items.length, 3, 'the list');
  const token = randomUUID();
  const claim = await claimPending(em(), { token, leaseSeconds: 30, limit: 10 });
  t.equal(claim.rows.length, 3, 'the claim takes the three outbox rows');
  await markPublished(
    em(),
    token,
    claim.rows.map((row) => row.outbox_id),
  );
  t.same(
    await claimPending(em(), { token: randomUUID(), leaseSeconds: 30, limit: 10 }),
    { rows: [], leaseEndsInMs: null },
    'all marked',
  );

  const prepared = await em().execute<Prepared[]>(
    `select name, from_sql, (generic_plans + custom_plans)::int as runs from pg_prepared_statements where name like 'tresta\\_%'`,
  );
  const byLabel = (label: string) => prepared.filter((row) => row.name.startsWith(`tresta_${label}_`));
  t.same(
    byLabel('count_unread').map(({ name, from_sql, runs }) => ({ name, from_sql, runs })),
    [{ name: statementName('count_unread', countUnreadStatement({ userId: 'ada' }).sql), from_sql: false, runs: 2 }],
    'the unread count was prepared once, by the driver, and run twice',
  );
  t.equal(byLabel('list').length, 1, 'the list page');
  t.same(
    byLabel('outbox_claim').map((row) => row.runs),
    [2],
    'the claim, run twice',
  );
  t.same(
    byLabel('outbox_mark').map((row) => row.runs),
    [1],
    'the mark',
  );

  // In a transaction a statement runs unnamed: a named one that failed would abort it.
  const inTransaction = await em().transactional((tem) => countUnread(tem, { userId: 'ada', category: 'billing' }));
  t.equal(inTransaction, 0);
  const inCategory = statementName('count_unread', countUnreadStatement({ userId: 'ada', category: 'billing' }).sql);
  const named = async () =>
    (await em().execute<Prepared[]>('select name from pg_prepared_statements where name = ?', [inCategory])).length;
  t.equal(await named(), 0, 'inside a transaction: not prepared');
  t.equal(await countUnread(em(), { userId: 'ada', category: 'billing' }), 0);
  t.equal(await named(), 1, 'outside one: prepared');
  t.ok(namedStatementsOn(em()), 'naming stays on');
});

t.test(
  'behind PgBouncer in transaction mode: the first refusal turns naming off, with one warning, and nothing fails',
  async (t) => {
    const pooler = await startPrivatePgBouncer(4);
    t.teardown(() => pooler.stop());
    const db = await createTestDatabase();
    t.teardown(() => db.drop());
    await applyMigrations(db.url);
    // One client of the pool: the driver remembers what it prepared, whichever server session it gets next.
    const orm = await openOrm(pooler.urlFor(db.url), 1);
    t.teardown(() => orm.close());
    const warnings: Array<{ details: object; message: string }> = [];
    const log: NamedStatementLog = { warn: (details, message) => warnings.push({ details, message }) };
    reportNamedStatementsOff(orm, log);

    const seed = new pg.Client({ connectionString: db.url });
    await seed.connect();
    t.teardown(() => seed.end());
    await seed.query(
      `with n as (
       insert into tresta_notifications (id, user_id, type, title, message)
       select gen_random_uuid(), 'ada', 'NEW_TESTIMONIAL', 'n' || i, 'm' from generate_series(1, 3) as i
       returning id, user_id, created_at)
     insert into tresta_outbox (id, notification_id, user_id, created_at) select gen_random_uuid(), id, user_id, created_at from n`,
    );

    const em = () => orm.em.fork();
    t.equal(await countUnread(em(), { userId: 'ada' }), 3, 'the first count, prepared on the server session it ran on');
    t.ok(namedStatementsOn(em()), 'still named');

    // Each blocker holds a server session in an open transaction (PgBouncer hands out the idle one it
    // used last): the pool's client then runs on a session that never saw its statement.
    const blockers: pg.Client[] = [];
    t.teardown(() => Promise.all(blockers.map((blocker) => blocker.end())));
    for (let attempt = 1; attempt <= 3 && namedStatementsOn(em()); attempt++) {
      const blocker = new pg.Client({ connectionString: pooler.urlFor(db.url) });
      await blocker.connect();
      blockers.push(blocker);
      await blocker.query('begin');
      await blocker.query('select 1');
      t.equal(await countUnread(em(), { userId: 'ada' }), 3, `count ${attempt + 1}: answered in full`);
    }
    t.notOk(namedStatementsOn(em()), 'naming is off for this pool');
    t.equal(warnings.length, 1, 'one warning');
    t.match(warnings[0], { details: { code: /^(26000|42P05)$/ }, message: /named prepared statements/ });
    await Promise.all(blockers.map((blocker) => blocker.query('commit')));

    // From now on, everything runs unnamed through the pooler, side by side.
    const token = randomUUID();
    const [claim, counts, pages] = await Promise.all([
      claimPending(em(), { token, leaseSeconds: 30, limit: 10 }),
      Promise.all(Array.from({ length: 8 }, () => countUnread(em(), { userId: 'ada' }))),
      Promise.all(Array.from({ length: 8 }, () => listPage(em(), { userId: 'ada', search: null }, { after: null, limit: 21 }))),
    ]);
    t.equal(claim.rows.length, 3, 'the claim');
    await markPublished(
      em(),
      token,
      claim.rows.map((row) => row.outbox_id),
    );
    t.same(counts, Array(8).fill(3), 'every count');
    t.same(
      pages.map((page) => page.length),
      Array(8).fill(3),
      'every page',
    );
    const { rows } = await seed.query<{ published: number }>(
      "select count(*)::int as published from tresta_outbox where status = 'published'",
    );
    t.equal(rows[0]?.published, 3, 'the mark');
    t.equal(warnings.length, 1, 'still one warning');
  },
);

t.test('on PGlite statements run unnamed', async (t) => {
  const embedded = await openEmbeddedDatabase('pglite://memory');
  t.teardown(() => embedded.close());
  await embedded.orm.getMigrator().up();
  const em = embedded.orm.em.fork();
  t.notOk(namedStatementsOn(em), 'naming is off from the start');
  t.equal(await countUnread(em, { userId: 'ada' }), 0, 'the count runs');
  const token = randomUUID();
  t.same(await claimPending(em, { token, leaseSeconds: 30, limit: 10 }), { rows: [], leaseEndsInMs: null }, 'the claim runs');
});
