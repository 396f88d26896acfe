import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import t from 'tap';
import trestaNotifications from '../../plugin/index.js';
import { listPageStatement, type NotificationFilter } from '../../plugin/data/notifications.js';
import { statementName } from '../../plugin/data/prepared.js';
import { decodeCursor } from '../../plugin/services/cursor.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';
import { createTokenKit } from '../helpers/tokens.js';

// A list page must be served by tresta_notifications_user_id_created_at_id_idx, in its order: no
// sort of the user's rows, whatever their number. The statements explained are the ones the route
// prepared (read back from the session), under the plan Postgres keeps for them (generic) and the
// one it makes for each run's values (custom).

const INDEX = 'tresta_notifications_user_id_created_at_id_idx';
const HEAVY_ROWS = 3000;
const OTHER_USERS = 200;
const ROWS_PER_OTHER_USER = 15;
const PAGE = 20;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

t.test('a list page is read from the (user_id, created_at, id) index in its order, with no sort', async (t) => {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  // One pooled session: what the route prepares there, a later statement on the same pool sees.
  await app.register(trestaNotifications, {
    database: { url: db.url, pool: { max: 1 } },
    redis: { url: REDIS_URL, prefix: `tresta-test-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: false,
  });
  await app.ready();
  const em = () => app.notifications.orm.em.fork();
  // Many equal timestamps (three rows a second): the order within them rests on the id.
  await em().execute(
    `insert into tresta_notifications (id, user_id, type, title, message, created_at, is_read)
     select gen_random_uuid(), 'heavy', 'NEW_TESTIMONIAL', 'n' || i, 'm', now() - ((i / 3) || ' seconds')::interval, i % 4 <> 0
     from generate_series(1, ?) as i
     union all
     select gen_random_uuid(), 'other_' || (i % ?), 'NEW_TESTIMONIAL', 'n' || i, 'm', now() - (i || ' seconds')::interval, false
     from generate_series(1, ?) as i`,
    [HEAVY_ROWS, OTHER_USERS, OTHER_USERS * ROWS_PER_OTHER_USER],
  );
  await em().execute('analyze tresta_notifications');
  const headers = { authorization: `Bearer ${await tokens.sign('heavy', { expiresIn: '1h' })}` };

  const first = await app.inject({ url: `/api/notifications?limit=${PAGE}`, headers });
  t.equal(first.statusCode, 200);
  const { nextCursor } = first.json() as { nextCursor: string };
  t.ok(nextCursor, 'there is a next page');
  t.equal((await app.inject({ url: `/api/notifications?limit=${PAGE}&cursor=${nextCursor}`, headers })).statusCode, 200);
  t.equal((await app.inject({ url: `/api/notifications?limit=${PAGE}&unread=true`, headers })).statusCode, 200);

  const prepared = await em().execute<Array<{ name: string }>>(
    "select name from pg_prepared_statements where name like 'tresta\\_list\\_%'",
  );
  // The filters the route builds from `?limit=20`, `&cursor=` and `&unread=true`.
  const route: NotificationFilter = { userId: 'heavy', unreadOnly: false, search: null };
  const pages = [
    { what: 'first page', filter: route, after: null },
    { what: 'next page', filter: route, after: decodeCursor(nextCursor) },
    { what: 'unread=true, first page', filter: { ...route, unreadOnly: true }, after: null },
  ];
  for (const page of pages) {
    const { sql, values } = listPageStatement(page.filter, { after: page.after, limit: PAGE + 1 });
    const name = statementName('list', sql);
    t.ok(
      prepared.some((row) => row.name === name),
      `${page.what}: the route ran this statement, prepared as ${name}`,
    );
    for (const mode of ['force_generic_plan', 'force_custom_plan']) {
      const session = em();
      await session.execute(`set plan_cache_mode = ${mode}`);
      const [row] = await session.execute<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        `explain (format json) execute ${name}(${values.map(() => '?').join(', ')})`,
        values,
      );
      await session.execute('reset plan_cache_mode');
      const plan = row!['QUERY PLAN'][0]!.Plan;
      const nodes = nodesOf(plan);
      const pageScan = nodes.find((node) => node['Relation Name'] === 'tresta_notifications' && node.Alias === 'n');
      t.equal(pageScan?.['Index Name'], INDEX, `${page.what}, ${mode}: the page's rows come from ${INDEX}`);
      t.same(
        nodes.filter((node) => node['Node Type'].includes('Sort')).map((node) => node['Node Type']),
        [],
        `${page.what}, ${mode}: no sort`,
      );
      if (page.after) {
        t.match(pageScan?.['Index Cond'], /ROW\(created_at, id\) </, `${page.what}, ${mode}: the scan starts at the cursor`);
      }
    }
  }
});
