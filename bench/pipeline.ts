// bench/pipeline — the delivery pipeline against raw BullMQ, a raw floor and raw ws.send, same run,
// 5 runs, medians.
//
// 1. Throughput: N notifications through notify() → outbox → relay (which publishes itself) →
//    Redis fan-out → WebSocket client, beside raw BullMQ (addBulk + a no-op worker at the same
//    concurrency). Goal ≥ 120 %.
// 2. Latency at a steady 1,000 notifications/s, call → WebSocket receipt, beside the raw floor at
//    the same rate: a bare INSERT + NOTIFY, LISTEN on a pg client, a claim (UPDATE … RETURNING), a
//    Redis PUBLISH and ws.send to a real WebSocket client. Goals: p50 ≤ 5 ms and ≤ 2.5 × the
//    floor's p50, p99 ≤ 25 ms.
// The hub's fan-out to 5,000 users has a bench of its own: bench/hub.ts.
//
// Usage: npm run bench:pipeline   (BENCH_RUNS=5 BENCH_NOTIFICATIONS=5000 BENCH_LATENCY_SECONDS=5)
// Quick: BENCH_RUNS=1 BENCH_NOTIFICATIONS=2000 BENCH_LATENCY_SECONDS=2
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket, WebSocketServer } from 'ws';
import trestaNotifications from '../plugin/index.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { createTokenKit, type TokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 5_000);
const LATENCY_RATE = 1_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const USERS = 100;
const CONCURRENCY = 50;
const PREFIX = 'tresta-bench-pipeline';

const databaseUrl = await benchDatabase(ADMIN_URL, 'tresta_bench_pipeline');
await applyMigrations(databaseUrl);

async function resetState(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('truncate tresta_notifications, tresta_outbox, tresta_notification_preferences');
  await db.end();
}

/** Every bench client connects from 127.0.0.1: the per-address limits would refuse most of them. */
const ONE_ADDRESS_MANY_CLIENTS = { maxPendingSocketsPerIp: 100_000, upgradesPerMinutePerIp: 100_000 };

async function startApp(tokens: TokenKit): Promise<{ app: FastifyInstance; wsUrl: string }> {
  const app = Fastify();
  await app.register(trestaNotifications, {
    database: { url: databaseUrl },
    redis: { url: REDIS_URL, prefix: PREFIX },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: true,
    migrate: false,
    realtime: ONE_ADDRESS_MANY_CLIENTS,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

/** Connects one authenticated client per user; calls onMessage(userId, frame, receivedAt). */
async function connectUsers(
  wsUrl: string,
  tokens: TokenKit,
  count: number,
  onMessage: (frame: { name?: string; data?: { id: string; createdAt?: string } }, at: number) => void,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let start = 0; start < count; start += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, count - start) }, async (_, i) => {
        const socket = new WebSocket(wsUrl);
        await once(socket, 'open');
        socket.send(JSON.stringify({ type: 'auth', token: await tokens.sign(`user_${start + i}`, { expiresIn: '2h' }) }));
        await new Promise<void>((resolve) => {
          socket.on('message', (data: Buffer) => {
            const frame = JSON.parse(data.toString()) as {
              type?: string;
              name?: string;
              data?: { id: string; createdAt?: string };
            };
            if (frame.type === 'ready') resolve();
            else onMessage(frame, performance.now());
          });
        });
        return socket;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

async function rawBullmqThroughput(): Promise<number> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('raw-baseline', { connection, prefix: PREFIX });
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const worker = new Worker('raw-baseline', async () => undefined, {
    connection: connection.duplicate(),
    prefix: PREFIX,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => {
    if (++done === NOTIFICATIONS) finished();
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < NOTIFICATIONS; i += 500) {
    await queue.addBulk(
      Array.from({ length: Math.min(500, NOTIFICATIONS - i) }, (_, j) => ({
        name: 'noop',
        data: { i: i + j },
        opts: { jobId: `raw-${i + j}`, removeOnComplete: true },
      })),
    );
  }
  await allDone;
  const rate = NOTIFICATIONS / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return rate;
}

async function pipelineThroughput(tokens: TokenKit): Promise<number> {
  const { app, wsUrl } = await startApp(tokens);
  const seen = new Set<string>();
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const sockets = await connectUsers(wsUrl, tokens, USERS, (frame) => {
    if (frame.name !== 'new-notification' || !frame.data) return;
    seen.add(frame.data.id);
    if (seen.size === NOTIFICATIONS) finished();
  });
  const started = performance.now();
  for (let i = 0; i < NOTIFICATIONS; i += 500) {
    await app.notifications.notifyMany(
      Array.from({ length: Math.min(500, NOTIFICATIONS - i) }, (_, j) => ({
        userId: `user_${(i + j) % USERS}`,
        type: 'NEW_TESTIMONIAL',
        title: `#${i + j}`,
        message: 'm',
      })),
    );
  }
  await allDone;
  const rate = NOTIFICATIONS / ((performance.now() - started) / 1000);
  sockets.forEach((socket) => socket.close());
  await app.close();
  return rate;
}

async function steadyLatency(tokens: TokenKit): Promise<{ p50: number; p99: number }> {
  const { app, wsUrl } = await startApp(tokens);
  // Timed from the notification's createdAt (notify() stamps it when called) to the receipt, and the
  // floor's rows the same way: notify() resolves only after a second round trip (the NOTIFY that
  // wakes the relay), often after the message arrived, so its return is no moment to time from.
  const latencies: number[] = [];
  const total = LATENCY_RATE * LATENCY_SECONDS;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const sockets = await connectUsers(wsUrl, tokens, USERS, (frame) => {
    if (frame.name !== 'new-notification' || !frame.data?.createdAt) return;
    latencies.push(Date.now() - Date.parse(frame.data.createdAt));
    if (latencies.length === total) finished();
  });
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(
      app.notifications
        .notify({ userId: `user_${i % USERS}`, type: 'NEW_TESTIMONIAL', title: `#${i}`, message: 'm' })
        .then(() => undefined),
    );
  }
  await Promise.all(sends);
  await allDone;
  sockets.forEach((socket) => socket.close());
  await app.close();
  return percentiles(latencies);
}

/** The p50 and p99 of latencies gathered in any order. */
function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

/**
 * The floor under the pipeline's latency, at the same steady rate: each notification is a bare
 * INSERT that NOTIFYs at commit; a LISTENing pg client wakes a claim (UPDATE … RETURNING, as the
 * relay's), which PUBLISHes each row on Redis; a subscriber ws.sends it to a real WebSocket client.
 * Nothing else: no preferences, no view, no hub, no mark.
 */
async function rawFloorLatency(): Promise<{ p50: number; p99: number }> {
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query('drop table if exists bench_floor');
  await setup.query(
    'create table bench_floor (id bigint primary key, claimed boolean not null default false, created_at timestamptz not null)',
  );
  await setup.end();
  const producers = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const claimer = new pg.Client({ connectionString: databaseUrl });
  const listener = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([claimer.connect(), listener.connect()]);
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL, { lazyConnect: true });
  // Connected before it subscribes: a SUBSCRIBE queued ahead of the connection breaks ioredis' ready check.
  await subscriber.connect();
  const channel = `${PREFIX}:floor`;

  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const connected = once(server, 'connection') as Promise<[import('ws').WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  await once(client, 'open');
  const [serverSocket] = await connected;
  subscriber.on('message', (_channel: string, createdMs: string) => serverSocket.send(createdMs));
  await subscriber.subscribe(channel);

  // One claim at a time, as one relay: a NOTIFY during a claim asks for one more.
  let claiming = false;
  let again = false;
  const claim = async (): Promise<void> => {
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    do {
      again = false;
      const { rows } = await claimer.query<{ created_ms: number }>(
        `update bench_floor set claimed = true where id in (
           select id from bench_floor where not claimed order by id limit 500 for update skip locked)
         returning (extract(epoch from created_at) * 1000)::float8 as created_ms`,
      );
      await Promise.all(rows.map((row) => publisher.publish(channel, String(row.created_ms))));
    } while (again);
    claiming = false;
  };
  listener.on('notification', () => void claim());
  await listener.query('listen bench_floor');

  const total = LATENCY_RATE * LATENCY_SECONDS;
  const latencies: number[] = [];
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  client.on('message', (data: Buffer) => {
    latencies.push(Date.now() - Number(data.toString()));
    if (latencies.length === total) finished();
  });
  const started = performance.now();
  const inserts: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inserts.push(
      producers
        .query(
          `with row as (insert into bench_floor (id, created_at) values ($1, to_timestamp($2::float8 / 1000)) returning id)
           select pg_notify('bench_floor', '') from row`,
          [i, Date.now()],
        )
        .then(() => undefined),
    );
  }
  await Promise.all(inserts);
  await allDone;
  // A NOTIFY of the last rows may have started one more (empty) claim: let it end first.
  listener.removeAllListeners('notification');
  while (claiming) await new Promise((resolve) => setTimeout(resolve, 5));
  client.close();
  server.close();
  publisher.disconnect();
  subscriber.disconnect();
  await Promise.all([claimer.end(), listener.end(), producers.end()]);
  return percentiles(latencies);
}

const tokens = await createTokenKit();
const series = {
  raw: [] as number[],
  pipeline: [] as number[],
  p50: [] as number[],
  p99: [] as number[],
  floorP50: [] as number[],
  floorP99: [] as number[],
};
for (let run = 1; run <= RUNS; run++) {
  await resetState();
  series.raw.push(await rawBullmqThroughput());
  series.pipeline.push(await pipelineThroughput(tokens));
  await resetState();
  const latency = await steadyLatency(tokens);
  series.p50.push(latency.p50);
  series.p99.push(latency.p99);
  const floor = await rawFloorLatency();
  series.floorP50.push(floor.p50);
  series.floorP99.push(floor.p99);
  console.log(
    `run ${run}/${RUNS}: raw BullMQ ${Math.round(series.raw.at(-1)!)}/s, pipeline ${Math.round(series.pipeline.at(-1)!)}/s, ` +
      `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (floor ${floor.p50.toFixed(1)}, ${floor.p99.toFixed(1)})`,
  );
}

const raw = summarize(series.raw);
const pipeline = summarize(series.pipeline);
const p50 = summarize(series.p50);
const p99 = summarize(series.p99);
const floorP50 = summarize(series.floorP50);
const floorP99 = summarize(series.floorP99);
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'MEETS' : 'MISSES');
console.log(`\nbench/pipeline — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
console.log(
  `${RUNS} runs; ${NOTIFICATIONS} notifications over ${USERS} users, worker concurrency ${CONCURRENCY}; medians (min, max)`,
);
console.log(`  raw BullMQ (addBulk + no-op worker)   ${formatSummary(raw, 'jobs/s')}`);
console.log(
  `  notify() → … → WebSocket client       ${formatSummary(pipeline, 'notifications/s')}   ${pct(pipeline.median, raw.median)} of raw — goal ≥ 120 %: ${verdict(pipeline.median / raw.median >= 1.2)}`,
);
console.log(
  `  raw floor at ${LATENCY_RATE}/s, call → receipt (INSERT+NOTIFY → LISTEN → UPDATE…RETURNING → PUBLISH → ws.send)   p50 ${floorP50.median.toFixed(1)} ms, p99 ${floorP99.median.toFixed(1)} ms`,
);
console.log(
  `  latency at ${LATENCY_RATE}/s, call → receipt   p50 ${p50.median.toFixed(1)} ms (goal ≤ 5: ${verdict(p50.median <= 5)}; ` +
    `${(p50.median / floorP50.median).toFixed(2)} × the floor, goal ≤ 2.5 ×: ${verdict(p50.median <= 2.5 * floorP50.median)}), ` +
    `p99 ${p99.median.toFixed(1)} ms (goal ≤ 25: ${verdict(p99.median <= 25)})`,
);
process.exit(0);
