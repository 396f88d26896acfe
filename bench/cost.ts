// bench/cost — what the plugin costs on free plans: Redis commands and Postgres transactions, idle
// and per item, beside a bare BullMQ Worker with BullMQ's defaults (the same-run baseline).
//
// Everything runs against a redis-server of its own (started here) and a database of its own, one
// scenario after the other, so each window sees one process's traffic only:
// 1. idle: a worker-enabled process (`workers: true`, email on), an API-only process
//    (`workers: false`), a bare BullMQ Worker (defaults), and BullMQ's Postgres backend (a bare
//    Worker, defaults, then this plugin's idle settings), each measured over a window after a warm-up;
// 2. load, on the worker-enabled process: 1,000 in-app notifications, 200 emails (the local mailbox
//    stands in for Resend) and one digest run, counted per item.
// Redis: client-sent commands (MONITOR lines of client connections; what a provider billing
// "commands" sees on the wire) and INFO commandstats (which also counts each command a Lua script
// runs). Postgres: pg_stat_database's xact_commit + xact_rollback of the bench database (the
// bench's own queries on it are subtracted). Connections: CLIENT LIST and pg_stat_activity.
//
// The worker-enabled process does its idle work at periods up to 15 min (the redrive sweep; the
// workers' waits and stalled checks every 5 min, the dependency check every 2 min): it is measured
// over 15 min by default, after its relay has slowed to its idle pace, so its figure is a whole
// cycle rather than a sample of one; the others over 120 s. BENCH_COST_WINDOW_SECONDS sets every
// window (shorter for a quick look).
//
// Usage: npm run bench:cost   (BENCH_COST_WINDOW_SECONDS=… BENCH_COST_WARMUP_SECONDS=20 BENCH_COST_DATABASE=…)
import Fastify, { type FastifyInstance } from 'fastify';
import { createPostgresBackend, runMigrations, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import trestaNotifications from '../plugin/index.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { startPrivateRedis } from '../test/helpers/private-redis.js';
import { createTokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const WINDOW_SECONDS = Number(process.env.BENCH_COST_WINDOW_SECONDS ?? 120);
const WORKER_WINDOW_SECONDS = Number(process.env.BENCH_COST_WINDOW_SECONDS ?? 900);
const WARMUP_SECONDS = Number(process.env.BENCH_COST_WARMUP_SECONDS ?? 20);
const IN_APP = 1_000;
const EMAILS = 200;
const DIGEST_USERS = 50;
const PREFIX = 'tresta-bench-cost';
/** Its own database (BENCH_COST_DATABASE: another, to run two at once), and one for BullMQ's Postgres backend. */
const DATABASE = process.env.BENCH_COST_DATABASE ?? 'tresta_bench_cost';
const BULLMQ_DATABASE = `${DATABASE}_bullmq`;
/** pg_stat_database is updated by each backend at most every second, and by an idle one within 10 s. */
const STATS_SETTLE_MS = 11_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redisServer = await startPrivateRedis();
const databaseUrl = await benchDatabase(ADMIN_URL, DATABASE);
await applyMigrations(databaseUrl);
const bullmqDatabaseUrl = await benchDatabase(ADMIN_URL, BULLMQ_DATABASE);
{
  const client = new pg.Client({ connectionString: bullmqDatabaseUrl });
  await client.connect();
  await runMigrations(client);
  await client.end();
}

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
/** The bench's own queries on the bench database, subtracted from its transaction counts. */
const own = new pg.Client({ connectionString: databaseUrl });
await own.connect();
let ownTransactions = 0;
const ownQuery = async <Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> => {
  ownTransactions++;
  return (await own.query<Row>(sql, values)).rows;
};
await ownQuery(
  'truncate tresta_notifications, tresta_outbox, tresta_notification_preferences, tresta_email_deliveries, tresta_mailbox, tresta_digest_runs, tresta_job_runs cascade',
);

const control = new Redis(redisServer.url);
await control.client('SETNAME', 'bench-control');
const controlAddress = `127.0.0.1:${(control as unknown as { stream: { localPort: number } }).stream.localPort}`;

/**
 * Transactions the processes under test send, counted on their side: every pg client of this
 * process goes through pg.Client's query (MikroORM's pool, the relay's LISTEN client, BullMQ's
 * Postgres backend). A statement outside BEGIN…COMMIT is a transaction of its own. Unlike
 * pg_stat_database, this leaves out what the server runs by itself in the database (autovacuum).
 */
const sent = { transactions: 0 };
const inTransaction = new WeakSet<pg.Client>();
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  if (this !== own && this !== admin) {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? '')).trim().toLowerCase();
    if (/^(begin|start transaction)/.test(text)) {
      inTransaction.add(this);
      sent.transactions++;
    } else if (/^(commit|rollback|end)\b/.test(text)) inTransaction.delete(this);
    else if (!inTransaction.has(this)) sent.transactions++;
  }
  return query.apply(this, args);
};

/** Counts every command the private Redis receives, from clients and from inside scripts. */
const tally = { client: 0, script: 0 };
const monitored = new Redis(redisServer.url);
const monitor = await monitored.monitor();
monitor.on('monitor', (_time: string, _args: string[], source: string) => {
  if (source === 'lua') tally.script++;
  else if (source !== controlAddress) tally.client++;
});

async function commandstatsCalls(): Promise<number> {
  const info = await control.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function transactions(database: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(
    'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}

interface Reading {
  sent: number;
  client: number;
  script: number;
  commandstats: number;
  transactions: number;
  ownTransactions: number;
  at: number;
}

async function read(database = DATABASE): Promise<Reading> {
  // Our INFO call is one of the calls counted: read it before the others move.
  const commandstats = await commandstatsCalls();
  return {
    sent: sent.transactions,
    client: tally.client,
    script: tally.script,
    commandstats,
    transactions: await transactions(database),
    ownTransactions,
    at: Date.now(),
  };
}

interface Cost {
  /** Transactions counted on the client side (see `sent`). */
  sent: number;
  client: number;
  script: number;
  commandstats: number;
  transactions: number;
  minutes: number;
}

function between(start: Reading, end: Reading): Cost {
  return {
    sent: end.sent - start.sent,
    client: end.client - start.client,
    script: end.script - start.script,
    // Less the one INFO call of the end reading.
    commandstats: end.commandstats - start.commandstats - 1,
    transactions: end.transactions - start.transactions - (end.ownTransactions - start.ownTransactions),
    minutes: (end.at - start.at) / 60_000,
  };
}

async function connections(database = DATABASE): Promise<{ redis: number; postgres: number }> {
  const clients = (await control.client('LIST')) as string;
  // Less the bench's own two (this one and the monitor).
  const redis = clients.trim().split('\n').length - 2;
  const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [
    database,
  ]);
  const ownConnections = database === DATABASE ? 1 : 0;
  return { redis, postgres: (rows[0]?.n ?? 0) - ownConnections };
}

interface IdleResult extends Cost {
  label: string;
  connections: { redis: number; postgres: number };
}

/** Starts a scenario, waits out its warm-up, measures one window, stops it. */
async function idle(
  label: string,
  start: () => Promise<() => Promise<void>>,
  database = DATABASE,
  windowSeconds = WINDOW_SECONDS,
): Promise<IdleResult> {
  const stop = await start();
  await sleep(WARMUP_SECONDS * 1_000);
  const before = await read(database);
  await sleep(windowSeconds * 1_000);
  const after = await read(database);
  const held = await connections(database);
  await stop();
  const cost = between(before, after);
  console.log(
    `  ${label}: ${perMinute(cost.client, cost)} client-sent commands/min, ${perMinute(cost.transactions, cost)} transactions/min`,
  );
  return { label, ...cost, connections: held };
}

const perMinute = (count: number, cost: Cost) => (count / cost.minutes).toFixed(1);

const tokens = await createTokenKit();

async function startApp(workers: boolean): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(trestaNotifications, {
    database: { url: databaseUrl },
    redis: { url: redisServer.url, prefix: PREFIX },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers,
    migrate: false,
    types: { COST_IN_APP: { email: 'none' }, COST_EMAIL: { email: 'normal' } },
    email: {
      enabled: true,
      dailyLimit: 10_000,
      requestsPerSecond: 1_000,
      resolveRecipient: async (userId: string) => ({ email: `${userId}@example.test` }),
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

/** Waits (reading a field, no query) until the relay's poll has backed off to its idle pace. */
async function relayAtIdlePace(app: FastifyInstance): Promise<void> {
  const relay = app.notifications.workers!.relay;
  while (relay.pollMs < 300_000) await sleep(1_000);
}

/** Polls the bench database (its queries are subtracted) until the count reaches `target`. */
async function untilCount(sql: string, target: number, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const [row] = await ownQuery<{ n: number }>(sql);
    if ((row?.n ?? 0) >= target) return;
    if (Date.now() > deadline) throw new Error(`bench/cost: ${what} did not reach ${target} (at ${row?.n})`);
    await sleep(250);
  }
}

/** Runs `work`, waits for the stats to settle, and answers its cost per item. */
async function perItem(
  label: string,
  items: number,
  work: () => Promise<void>,
): Promise<Cost & { label: string; items: number }> {
  const before = await read();
  await work();
  await sleep(STATS_SETTLE_MS);
  const after = await read();
  const cost = between(before, after);
  console.log(
    `  ${label}: ${(cost.client / items).toFixed(2)} client-sent commands and ${(cost.transactions / items).toFixed(2)} transactions each`,
  );
  return { label, items, ...cost };
}

console.log(
  `bench/cost: idle windows of ${WORKER_WINDOW_SECONDS} s (worker-enabled process) and ${WINDOW_SECONDS} s (the others) after ${WARMUP_SECONDS} s of warm-up`,
);

const idleResults: IdleResult[] = [];
idleResults.push(
  await idle(
    'worker-enabled process (workers: true, email on)',
    async () => {
      const app = await startApp(true);
      await relayAtIdlePace(app);
      return () => app.close();
    },
    DATABASE,
    WORKER_WINDOW_SECONDS,
  ),
);
idleResults.push(
  await idle('API-only process (workers: false)', async () => {
    const app = await startApp(false);
    return () => app.close();
  }),
);
idleResults.push(
  await idle('bare BullMQ Worker, defaults (baseline)', async () => {
    const connection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    const worker = new Worker('bare', async () => undefined, { connection, prefix: `${PREFIX}-bare` });
    await worker.waitUntilReady();
    return async () => {
      await worker.close();
      connection.disconnect();
    };
  }),
);
const postgresBackend = async (options: { drainDelay?: number; stalledInterval?: number }) => {
  // A pool of ours (ESM cannot lend BullMQ its optional `pg`): it does not pin the search_path
  // to BullMQ's schema on a pool it did not make, so the pool does.
  const pool = new pg.Pool({ connectionString: bullmqDatabaseUrl, max: 3, options: '-c search_path=bullmq,public' });
  const worker = new Worker('bare', async () => undefined, { connection: pool, ...options }, createPostgresBackend);
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    await pool.end();
  };
};
idleResults.push(
  await idle("bare BullMQ Worker on BullMQ's Postgres backend, defaults", () => postgresBackend({}), BULLMQ_DATABASE),
);
idleResults.push(
  await idle(
    "bare BullMQ Worker on BullMQ's Postgres backend, drainDelay 300 s, stalled check 5 min",
    () => postgresBackend({ drainDelay: 300, stalledInterval: 300_000 }),
    BULLMQ_DATABASE,
  ),
);

console.log('load: the worker-enabled process');
const app = await startApp(true);
await sleep(WARMUP_SECONDS * 1_000);
const loadConnections = await connections();
const inApp = await perItem('in-app notification, delivered', IN_APP, async () => {
  for (let i = 0; i < IN_APP; i += 100) {
    await app.notifications.notifyMany(
      Array.from({ length: 100 }, (_, j) => ({
        userId: `user_${(i + j) % DIGEST_USERS}`,
        type: 'COST_IN_APP',
        title: `#${i + j}`,
        message: 'm',
      })),
    );
  }
  await untilCount(
    `select count(*)::int as n from tresta_outbox o join tresta_notifications n on n.id = o.notification_id
     where n.type = 'COST_IN_APP' and o.status = 'published'`,
    IN_APP,
    'deliveries',
  );
});
const emails = await perItem('email (its notification delivered in-app too)', EMAILS, async () => {
  for (let i = 0; i < EMAILS; i += 50) {
    await app.notifications.notifyMany(
      Array.from({ length: 50 }, (_, j) => ({ userId: `mail_${i + j}`, type: 'COST_EMAIL', title: `#${i + j}`, message: 'm' })),
    );
  }
  await untilCount(`select count(*)::int as n from tresta_email_deliveries where status = 'sent'`, EMAILS, 'emails');
});
// One digest-type notification for each of DIGEST_USERS users, due at any hour, delivered before the run.
await ownQuery(
  `insert into tresta_notification_preferences (user_id, digest_hour) select 'digest_' || n, 0 from generate_series(1, ${DIGEST_USERS}) n`,
);
await app.notifications.notifyMany(
  Array.from({ length: DIGEST_USERS }, (_, i) => ({
    userId: `digest_${i + 1}`,
    type: 'NEW_TESTIMONIAL',
    title: `#${i}`,
    message: 'm',
  })),
);
await untilCount(
  `select count(*)::int as n from tresta_outbox o join tresta_notifications n on n.id = o.notification_id
   where n.type = 'NEW_TESTIMONIAL' and o.status = 'published'`,
  DIGEST_USERS,
  'digest notifications',
);
await sleep(STATS_SETTLE_MS);
const digest = await perItem(`digest email (one run for ${DIGEST_USERS} users)`, DIGEST_USERS, async () => {
  await app.notifications.workers!.scheduled.runJob('digest');
  await untilCount(`select count(*)::int as n from tresta_digest_runs where status = 'sent'`, DIGEST_USERS, 'digests');
});
await app.close();
monitor.disconnect();
monitored.disconnect();
control.disconnect();
await own.end();
await admin.end();
await redisServer.stop();

// The summary.
const [worker, api, bare, pgDefaults, pgIdle] = idleResults as [IdleResult, IdleResult, IdleResult, IdleResult, IdleResult];
const rate = (result: Cost, count: number) => count / result.minutes;
const verdict = (ok: boolean) => (ok ? 'MEETS' : 'MISSES');
const machine = await describeMachine(ADMIN_URL, 'redis://127.0.0.1:6379');
console.log(`\nbench/cost — ${machine}`);
console.log(`idle, per minute (windows of ${WORKER_WINDOW_SECONDS} s and ${WINDOW_SECONDS} s after ${WARMUP_SECONDS} s):`);
console.log(
  '  process                                        client-sent  commandstats (incl. in scripts)  Postgres xact (server / sent)  connections (Redis / Postgres)',
);
for (const result of idleResults) {
  console.log(
    `  ${result.label.padEnd(46).slice(0, 46)} ${rate(result, result.client).toFixed(1).padStart(11)}  ${rate(result, result.commandstats).toFixed(1).padStart(31)}  ${`${rate(result, result.transactions).toFixed(1)} / ${rate(result, result.sent).toFixed(1)}`.padStart(29)}  ${result.connections.redis} / ${result.connections.postgres}`,
  );
}
console.log('per item, on the worker-enabled process:');
for (const item of [inApp, emails, digest]) {
  console.log(
    `  ${item.label}: ${(item.client / item.items).toFixed(2)} client-sent commands (${(item.commandstats / item.items).toFixed(2)} counting those in scripts), ${(item.transactions / item.items).toFixed(2)} Postgres transactions (${(item.sent / item.items).toFixed(2)} sent by the process)`,
  );
}
console.log(`  connections held under load: Redis ${loadConnections.redis}, Postgres ${loadConnections.postgres}`);
const workerRate = rate(worker, worker.client);
const bareRate = rate(bare, bare.client);
console.log(
  `goal: idle worker-enabled process ≤ 5 client-sent Redis commands/min and ≤ 20 % of the bare worker: ${workerRate.toFixed(1)}/min, ${((workerRate / bareRate) * 100).toFixed(0)} % of ${bareRate.toFixed(1)}/min — ${verdict(workerRate <= 5 && workerRate <= bareRate * 0.2)}`,
);
console.log(
  `goal: idle worker-enabled process ≤ 2 Postgres transactions/min: ${rate(worker, worker.transactions).toFixed(1)}/min in pg_stat_database — ${verdict(rate(worker, worker.transactions) <= 2)}; ${rate(worker, worker.sent).toFixed(1)}/min sent by the process — ${verdict(rate(worker, worker.sent) <= 2)}`,
);
console.log(
  `goal: per delivered in-app notification ≤ 5 client-sent commands: ${(inApp.client / IN_APP).toFixed(2)} — ${verdict(inApp.client / IN_APP <= 5)}`,
);
console.log(
  `goal: per email ≤ 12 client-sent commands: ${(emails.client / EMAILS).toFixed(2)} — ${verdict(emails.client / EMAILS <= 12)}`,
);
console.log(
  `  API-only process idle: ${rate(api, api.client).toFixed(1)} client-sent commands/min, ${rate(api, api.transactions).toFixed(1)} transactions/min`,
);
console.log(
  `  BullMQ Postgres backend idle: ${rate(pgDefaults, pgDefaults.transactions).toFixed(1)} transactions/min with defaults, ${rate(pgIdle, pgIdle.transactions).toFixed(1)} with drainDelay 300 s`,
);
// A month of the seed's workload on one worker-enabled process: idle all month, plus its items.
const month = {
  idle: workerRate * 60 * 24 * 30,
  items:
    30 * (IN_APP * (inApp.client / IN_APP) + EMAILS * (emails.client / EMAILS) + DIGEST_USERS * (digest.client / DIGEST_USERS)),
};
console.log(
  `  a month of 1,000 notifications, 200 emails and one ${DIGEST_USERS}-user digest a day: ≈ ${Math.round((month.idle + month.items) / 1_000)} K client-sent commands (idle ${Math.round(month.idle / 1_000)} K + items ${Math.round(month.items / 1_000)} K; Upstash free: 500 K)`,
);
process.exit(0);
