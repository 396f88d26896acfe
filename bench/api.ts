// bench/api — the notification API's throughput beside a hello-world route on the same server, and
// beside its own statements on a bare pg.Pool.
//
// Seeds 1,000,000 notifications across 10,000 users (once; the database is kept between runs) and
// prints the EXPLAIN (ANALYZE) of a list page's statement. Then, 5 runs each, measures with
// autocannon: GET /hello on the host app with the plugin, GET /api/notifications/unread-count,
// GET /api/notifications?limit=20 and the same list searched (q=, full text: one word in eight rows'
// messages, typed as a prefix); and the raw floor: the route's own count and list statements, named,
// on a bare pg.Pool of the plugin's default size, at the same concurrency. Then the host route with
// and without the plugin as alternating pairs (A, B, A, B…, each a short run; one run alone is noise
// on a shared machine): the median of the pairs' ratios.
// Prints medians (min–max), the ratios against the same-run baselines, and the goals:
// unread-count ≥ 50 % of hello; list ≥ 80 % of its raw floor and ≥ 25 % of hello; a host route with
// the plugin ≥ 97 % of without; the search's median latency under the same load and its throughput
// beside the plain list's.
//
// Usage: npm run bench:api   (BENCH_SECONDS=5 BENCH_RUNS=5 BENCH_CONNECTIONS=50 to change the load;
// BENCH_PAIRS=10 BENCH_PAIR_SECONDS=2 for the alternating pairs; BENCH_NOTIFICATIONS=20000 for a quick
// run on a smaller table, 100 per user; BENCH_DATABASE=name to seed a database of your own)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { countUnreadStatement, listPageStatement } from '../plugin/data/notifications.js';
import { statementName } from '../plugin/data/prepared.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { DEFAULT_POOL_MAX } from '../plugin/db/settings.js';
import { createTokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 1_000_000);
const USERS = Math.max(1, Math.round(NOTIFICATIONS / 100));
// A smaller table lives in its own database, so a quick run never truncates the full one.
const DATABASE =
  process.env.BENCH_DATABASE ?? (NOTIFICATIONS === 1_000_000 ? 'tresta_bench_api' : `tresta_bench_api_${NOTIFICATIONS}`);
/** The searched word: one of CITIES, so one row in eight matches; typed as a prefix. */
const CITIES = ['Paris', 'Lagos', 'Osaka', 'Lima', 'Oslo', 'Quito', 'Accra', 'Hanoi'];
const SEARCH = 'osak';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 10);
const PAIR_SECONDS = Number(process.env.BENCH_PAIR_SECONDS ?? 2);
const TOKENS = 500;
const PAGE = 20;
/** The users the load asks for, each token's subject; the raw floor asks for the same ones. */
const USER_IDS = Array.from({ length: TOKENS }, (_, i) => `user_${(i * 7919) % USERS}`);

const databaseUrl = await benchDatabase(ADMIN_URL, DATABASE);

async function seed(): Promise<void> {
  await applyMigrations(databaseUrl);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ count: number; searchable: boolean }>(
    `select count(*)::int as count, exists (select 1 from tresta_notifications where message like '% from Osaka') as searchable
     from tresta_notifications`,
  );
  if (rows[0]?.count !== NOTIFICATIONS || !rows[0].searchable) {
    console.log(`seeding ${NOTIFICATIONS.toLocaleString('en-US')} notifications across ${USERS.toLocaleString('en-US')} users…`);
    await db.query('truncate tresta_notifications');
    // One in four unread; timestamps spread over the last ~12 days, many equal per user.
    await db.query(
      `insert into tresta_notifications (id, user_id, type, title, message, link, metadata, is_read, created_at)
       select gen_random_uuid(), 'user_' || (i % $2), 'NEW_TESTIMONIAL', 'New testimonial #' || i,
              'Someone left a testimonial with five stars and a long enough message to be realistic, from ' ||
                ($3::text[])[(i / $2) % 8 + 1],
              '/testimonials/' || i, jsonb_build_object('testimonialId', i), (i % 4) <> 0,
              now() - ((i / 1000) || ' seconds')::interval
       from generate_series(1, $1) as i`,
      [NOTIFICATIONS, USERS, CITIES],
    );
    await db.query('analyze tresta_notifications');
  }
  await db.end();
}

async function startServer(mode: 'plugin' | 'bare', publicKey: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./api-server.ts', import.meta.url)), mode], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_REDIS_URL: REDIS_URL, BENCH_PUBLIC_KEY: publicKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

interface Load {
  requestsPerSecond: number;
  /** Median latency under the load (ms). */
  latencyMs: number;
}

async function measureLoad(url: string, headers: string[] | null, duration = SECONDS): Promise<Load> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        setupRequest: (request) =>
          headers ? { ...request, headers: { authorization: headers[next++ % headers.length] as string } } : request,
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return { requestsPerSecond: result.requests.average, latencyMs: result.latency.p50 };
}

/** Measures after a discarded second of load, so JIT warm-up does not count against a fresh process. */
async function warmLoad(url: string, headers: string[] | null): Promise<Load> {
  await measureLoad(url, headers, 1);
  return measureLoad(url, headers);
}

async function warmRequestsPerSecond(url: string, headers: string[] | null): Promise<number> {
  return (await warmLoad(url, headers)).requestsPerSecond;
}

/** `?` placeholders (as the plugin writes them) as node-postgres' `$1, $2…`. */
function positional(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** The statement a route runs for one user, as a named node-postgres query. */
type RawQuery = (userId: string) => pg.QueryConfig;

const rawCount: RawQuery = (userId) => {
  const { sql, values } = countUnreadStatement({ userId });
  return { name: statementName('count_unread', sql), text: positional(sql), values };
};

// What GET /api/notifications?limit=20 asks listPage for: one row more than the page.
const rawList: RawQuery = (userId) => {
  const { sql, values } = listPageStatement({ userId, unreadOnly: false, search: null }, { after: null, limit: PAGE + 1 });
  return { name: statementName('list', sql), text: positional(sql), values };
};

/** Statements per second on a bare pg.Pool: CONNECTIONS callers, each sending its next as soon as one answers. */
async function rawRate(pool: pg.Pool, query: RawQuery, duration: number): Promise<number> {
  let next = 0;
  let answered = 0;
  const started = performance.now();
  const stopAt = started + duration * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < stopAt) {
        await pool.query(query(USER_IDS[next++ % USER_IDS.length] as string));
        answered++;
      }
    }),
  );
  return answered / ((performance.now() - started) / 1000);
}

/** The raw floor after a discarded second, like the routes. */
async function warmRawRate(pool: pg.Pool, query: RawQuery): Promise<number> {
  await rawRate(pool, query, 1);
  return rawRate(pool, query, SECONDS);
}

/** The plan of the list's first page for one user, with its actual rows and timing, as the route's statement. */
async function explainListPage(): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { text, values } = rawList(USER_IDS[0] as string);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${text}`, values);
    return rows.map((row) => `    ${row['QUERY PLAN']}`).join('\n');
  } finally {
    await client.end();
  }
}

/**
 * The host route with the plugin as a share of without, measured as alternating short runs
 * (without, with, without, with…) so that a shift in the machine's load falls on both: the ratio
 * of each pair.
 */
async function alternatingPairs(bareUrl: string, pluginUrl: string): Promise<number[]> {
  await measureLoad(bareUrl, null, 1);
  await measureLoad(pluginUrl, null, 1);
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const without = await measureLoad(bareUrl, null, PAIR_SECONDS);
    const withPlugin = await measureLoad(pluginUrl, null, PAIR_SECONDS);
    ratios.push(withPlugin.requestsPerSecond / without.requestsPerSecond);
  }
  return ratios;
}

async function main(): Promise<void> {
  await seed();
  console.log(`EXPLAIN (ANALYZE, BUFFERS) of GET /api/notifications?limit=${PAGE}'s statement, first page of ${USER_IDS[0]}:`);
  console.log(await explainListPage());
  const tokens = await createTokenKit();
  const authorizations = await Promise.all(
    USER_IDS.map(async (userId) => `Bearer ${await tokens.sign(userId, { expiresIn: '2h' })}`),
  );
  // The plugin's pool has DEFAULT_POOL_MAX connections: the floor gets as many.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: DEFAULT_POOL_MAX });
  const bare = await startServer('bare', tokens.publicKeyPem);
  const host = await startServer('plugin', tokens.publicKeyPem);

  const series: Record<
    'hello' | 'unread' | 'rawUnread' | 'list' | 'rawList' | 'listLatency' | 'search' | 'searchLatency',
    number[]
  > = {
    hello: [],
    unread: [],
    rawUnread: [],
    list: [],
    rawList: [],
    listLatency: [],
    search: [],
    searchLatency: [],
  };
  for (let run = 1; run <= RUNS; run++) {
    series.hello.push(await warmRequestsPerSecond(`${host.url}/hello`, null));
    series.unread.push(await warmRequestsPerSecond(`${host.url}/api/notifications/unread-count`, authorizations));
    series.rawUnread.push(await warmRawRate(pool, rawCount));
    const list = await warmLoad(`${host.url}/api/notifications?limit=${PAGE}`, authorizations);
    series.list.push(list.requestsPerSecond);
    series.listLatency.push(list.latencyMs);
    series.rawList.push(await warmRawRate(pool, rawList));
    const search = await warmLoad(`${host.url}/api/notifications?limit=${PAGE}&q=${SEARCH}`, authorizations);
    series.search.push(search.requestsPerSecond);
    series.searchLatency.push(search.latencyMs);
    const last = (name: keyof typeof series) => Math.round(series[name].at(-1)!);
    console.log(
      `run ${run}/${RUNS}: hello ${last('hello')}, unread-count ${last('unread')} (raw ${last('rawUnread')}), list ${last('list')} (raw ${last('rawList')}), search ${last('search')} req/s`,
    );
  }
  const pairRatios = await alternatingPairs(`${bare.url}/hello`, `${host.url}/hello`);
  console.log(`pairs (with ÷ without): ${pairRatios.map((ratio) => `${(ratio * 100).toFixed(1)} %`).join(', ')}`);
  await stopServer(host.child);
  await stopServer(bare.child);
  await pool.end();

  const hello = summarize(series.hello);
  const unread = summarize(series.unread);
  const rawUnread = summarize(series.rawUnread);
  const list = summarize(series.list);
  const rawListRate = summarize(series.rawList);
  const search = summarize(series.search);
  const pairs = summarize(pairRatios);
  const formatMs = (summary: ReturnType<typeof summarize>) =>
    `${summary.median.toFixed(1)} ms (min ${summary.min.toFixed(1)}, max ${summary.max.toFixed(1)})`;
  const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
  const goal = (ratio: number, target: number) => `goal ≥ ${Math.round(target * 100)} %: ${ratio >= target ? 'MEETS' : 'MISSES'}`;

  console.log(`\nbench/api — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
  console.log(
    `${RUNS} runs × ${SECONDS} s, ${CONNECTIONS} connections, a pool of ${DEFAULT_POOL_MAX}; ${PAIRS} pairs × ${PAIR_SECONDS} s; ${NOTIFICATIONS.toLocaleString('en-US')} notifications, ${USERS.toLocaleString('en-US')} users; medians (min, max)`,
  );
  console.log(`  GET /hello, plugin registered (baseline)  ${formatSummary(hello, 'req/s')}`);
  console.log(
    `  host route with the plugin ÷ without, alternating pairs  ${pct(pairs.median)} (min ${pct(pairs.min)}, max ${pct(pairs.max)}) — ${goal(pairs.median, 0.97)}`,
  );
  console.log(
    `  GET /api/notifications/unread-count  ${formatSummary(unread, 'req/s')}   ${pct(unread.median / hello.median)} of hello — ${goal(unread.median / hello.median, 0.5)}`,
  );
  console.log(
    `  unread count on a bare pg.Pool (raw floor)  ${formatSummary(rawUnread, 'req/s')}   the route: ${pct(unread.median / rawUnread.median)} of it`,
  );
  console.log(
    `  GET /api/notifications?limit=${PAGE}  ${formatSummary(list, 'req/s')}   ${pct(list.median / hello.median)} of hello — ${goal(list.median / hello.median, 0.25)}; p50 latency ${formatMs(summarize(series.listLatency))}`,
  );
  console.log(
    `  list page on a bare pg.Pool (raw floor)  ${formatSummary(rawListRate, 'req/s')}   the route: ${pct(list.median / rawListRate.median)} of it — ${goal(list.median / rawListRate.median, 0.8)}`,
  );
  console.log(
    `  GET /api/notifications?limit=${PAGE}&q=${SEARCH}  ${formatSummary(search, 'req/s')}   ${pct(search.median / list.median)} of the plain list; p50 latency ${formatMs(summarize(series.searchLatency))}`,
  );
}

await main();
