// bench/api — the notification API's throughput beside a hello-world route on the same server.
//
// Seeds 1,000,000 notifications across 10,000 users (once; the database is kept between runs),
// then, 5 runs each, measures with autocannon: GET /hello on a host app without the plugin and
// with it, GET /api/notifications/unread-count, GET /api/notifications?limit=20 and the same list
// searched (q=, full text: one word in eight rows' messages, typed as a prefix).
// Prints medians (min–max), the ratios against the same-run baseline, and the goals:
// unread-count ≥ 40 % of hello, list ≥ 25 %, and a host route with the plugin ≥ 97 % of without;
// the search's median latency under the same load and its throughput beside the plain list's.
//
// Usage: npm run bench:api   (BENCH_SECONDS=5 BENCH_RUNS=5 BENCH_CONNECTIONS=50 to change the load;
// BENCH_NOTIFICATIONS=20000 for a quick run on a smaller table, 100 per user)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { applyMigrations } from '../plugin/db/migrate.js';
import { createTokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 1_000_000);
const USERS = Math.max(1, Math.round(NOTIFICATIONS / 100));
// A smaller table lives in its own database, so a quick run never truncates the full one.
const DATABASE = NOTIFICATIONS === 1_000_000 ? 'tresta_bench_api' : `tresta_bench_api_${NOTIFICATIONS}`;
/** The searched word: one of CITIES, so one row in eight matches; typed as a prefix. */
const CITIES = ['Paris', 'Lagos', 'Osaka', 'Lima', 'Oslo', 'Quito', 'Accra', 'Hanoi'];
const SEARCH = 'osak';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TOKENS = 500;

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

async function main(): Promise<void> {
  await seed();
  const tokens = await createTokenKit();
  const authorizations = await Promise.all(
    Array.from(
      { length: TOKENS },
      async (_, i) => `Bearer ${await tokens.sign(`user_${(i * 7919) % USERS}`, { expiresIn: '2h' })}`,
    ),
  );

  const series: Record<'bare' | 'hello' | 'unread' | 'list' | 'listLatency' | 'search' | 'searchLatency', number[]> = {
    bare: [],
    hello: [],
    unread: [],
    list: [],
    listLatency: [],
    search: [],
    searchLatency: [],
  };
  for (let run = 1; run <= RUNS; run++) {
    const bare = await startServer('bare', tokens.publicKeyPem);
    series.bare.push(await warmRequestsPerSecond(`${bare.url}/hello`, null));
    await stopServer(bare.child);

    const host = await startServer('plugin', tokens.publicKeyPem);
    series.hello.push(await warmRequestsPerSecond(`${host.url}/hello`, null));
    series.unread.push(await warmRequestsPerSecond(`${host.url}/api/notifications/unread-count`, authorizations));
    const list = await warmLoad(`${host.url}/api/notifications?limit=20`, authorizations);
    series.list.push(list.requestsPerSecond);
    series.listLatency.push(list.latencyMs);
    const search = await warmLoad(`${host.url}/api/notifications?limit=20&q=${SEARCH}`, authorizations);
    series.search.push(search.requestsPerSecond);
    series.searchLatency.push(search.latencyMs);
    await stopServer(host.child);
    console.log(
      `run ${run}/${RUNS}: bare ${Math.round(series.bare.at(-1)!)}, hello ${Math.round(series.hello.at(-1)!)}, unread-count ${Math.round(series.unread.at(-1)!)}, list ${Math.round(series.list.at(-1)!)}, search ${Math.round(series.search.at(-1)!)} req/s`,
    );
  }

  const bare = summarize(series.bare);
  const hello = summarize(series.hello);
  const unread = summarize(series.unread);
  const list = summarize(series.list);
  const search = summarize(series.search);
  const formatMs = (summary: ReturnType<typeof summarize>) =>
    `${summary.median.toFixed(1)} ms (min ${summary.min.toFixed(1)}, max ${summary.max.toFixed(1)})`;
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
  const verdict = (ratio: number, goal: number) => (ratio >= goal ? 'meets' : 'MISSES');

  console.log(`\nbench/api — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
  console.log(
    `${RUNS} runs × ${SECONDS} s, ${CONNECTIONS} connections; ${NOTIFICATIONS.toLocaleString('en-US')} notifications, ${USERS.toLocaleString('en-US')} users; medians (min, max)`,
  );
  console.log(`  host route, no plugin (baseline)   ${formatSummary(bare, 'req/s')}`);
  console.log(
    `  host route, plugin registered      ${formatSummary(hello, 'req/s')}   ${pct(hello.median, bare.median)} of baseline — goal ≥ 97 %: ${verdict(hello.median / bare.median, 0.97)}`,
  );
  console.log(
    `  GET /api/notifications/unread-count ${formatSummary(unread, 'req/s')}   ${pct(unread.median, hello.median)} of hello — goal ≥ 40 %: ${verdict(unread.median / hello.median, 0.4)}`,
  );
  console.log(
    `  GET /api/notifications?limit=20    ${formatSummary(list, 'req/s')}   ${pct(list.median, hello.median)} of hello — goal ≥ 25 %: ${verdict(list.median / hello.median, 0.25)}; p50 latency ${formatMs(summarize(series.listLatency))}`,
  );
  console.log(
    `  GET /api/notifications?limit=20&q=${SEARCH} ${formatSummary(search, 'req/s')}   ${pct(search.median, list.median)} of the plain list; p50 latency ${formatMs(summarize(series.searchLatency))}`,
  );
}

await main();
