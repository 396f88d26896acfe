// bench/pipeline — the delivery pipeline against raw BullMQ and raw ws.send, same run, 5 runs, medians.
//
// 1. Throughput: N notifications through notify() → outbox → relay → BullMQ → worker → WebSocket
//    client, beside raw BullMQ (addBulk + a no-op worker at the same concurrency). Goal ≥ 70 %.
// 2. Latency at a steady 1,000 notifications/s, commit → WebSocket receipt: p50 ≤ 10 ms, p99 ≤ 25 ms.
// 3. Fan-out: one message to each of 5,000 connected users through the hub's Redis fan-out, beside
//    a bare ws server sending the same messages to 5,000 clients. Goal ≥ 70 %.
//
// Usage: npm run bench:pipeline   (BENCH_RUNS=5 BENCH_NOTIFICATIONS=5000 BENCH_FANOUT_USERS=5000)
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import trestaNotifications from '../plugin/index.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { encodeFanout } from '../plugin/realtime/redis-fanout.js';
import { createTokenKit, type TokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NOTIFICATIONS = Number(process.env.BENCH_NOTIFICATIONS ?? 5_000);
const FANOUT_USERS = Number(process.env.BENCH_FANOUT_USERS ?? 5_000);
const LATENCY_RATE = 1_000;
const LATENCY_SECONDS = 5;
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
  const { default: pg } = await import('pg');
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
  onMessage: (frame: { name?: string; data?: { id: string } }, at: number) => void,
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
            const frame = JSON.parse(data.toString()) as { type?: string; name?: string; data?: { id: string } };
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
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  const total = LATENCY_RATE * LATENCY_SECONDS;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const pending = new Map<string, number>();
  const sockets = await connectUsers(wsUrl, tokens, USERS, (frame, at) => {
    if (frame.name !== 'new-notification' || !frame.data) return;
    const committed = committedAt.get(frame.data.id);
    if (committed === undefined) pending.set(frame.data.id, at);
    else latencies.push(at - committed);
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
        .then((n) => {
          const now = performance.now();
          committedAt.set(n.id, now);
          // Received before notify() even returned: the pg_notify after commit was the slow part.
          const early = pending.get(n.id);
          if (early !== undefined) {
            latencies.push(Math.max(0, early - now));
            if (latencies.length === total) finished();
          }
        }),
    );
  }
  await Promise.all(sends);
  await allDone;
  sockets.forEach((socket) => socket.close());
  await app.close();
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

async function hubFanout(tokens: TokenKit): Promise<number> {
  const app = Fastify();
  await app.register(trestaNotifications, {
    database: { url: databaseUrl },
    redis: { url: REDIS_URL, prefix: PREFIX },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: false,
    migrate: false,
    realtime: ONE_ADDRESS_MANY_CLIENTS,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  let received = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const sockets = await connectUsers(`${address.replace('http', 'ws')}/api/notifications/ws`, tokens, FANOUT_USERS, () => {
    if (++received === FANOUT_USERS) finished();
  });
  const publisher = new Redis(REDIS_URL);
  const message = (userId: string) => encodeFanout(userId, { name: 'new-notification', data: { id: userId } } as never);
  const started = performance.now();
  const pipeline = publisher.pipeline();
  for (let i = 0; i < FANOUT_USERS; i++) pipeline.publish(`${PREFIX}:realtime:fanout`, message(`user_${i}`));
  await pipeline.exec();
  await allDone;
  const rate = FANOUT_USERS / ((performance.now() - started) / 1000);
  publisher.disconnect();
  sockets.forEach((socket) => socket.close());
  await app.close();
  return rate;
}

async function rawWsFanout(): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const serverSockets: import('ws').WebSocket[] = [];
  server.on('connection', (socket) => serverSockets.push(socket));
  const { port } = server.address() as { port: number };
  let received = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const clients: WebSocket[] = [];
  for (let start = 0; start < FANOUT_USERS; start += 200) {
    clients.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(200, FANOUT_USERS - start) }, async () => {
          const client = new WebSocket(`ws://127.0.0.1:${port}`);
          client.on('message', () => {
            if (++received === FANOUT_USERS) finished();
          });
          await once(client, 'open');
          return client;
        }),
      )),
    );
  }
  while (serverSockets.length < FANOUT_USERS) await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  serverSockets.forEach((socket, i) => socket.send(JSON.stringify({ name: 'new-notification', data: { id: `user_${i}` } })));
  await allDone;
  const rate = FANOUT_USERS / ((performance.now() - started) / 1000);
  clients.forEach((client) => client.close());
  server.close();
  return rate;
}

const tokens = await createTokenKit();
const series = {
  raw: [] as number[],
  pipeline: [] as number[],
  p50: [] as number[],
  p99: [] as number[],
  hub: [] as number[],
  ws: [] as number[],
};
for (let run = 1; run <= RUNS; run++) {
  await resetState();
  series.raw.push(await rawBullmqThroughput());
  series.pipeline.push(await pipelineThroughput(tokens));
  await resetState();
  const latency = await steadyLatency(tokens);
  series.p50.push(latency.p50);
  series.p99.push(latency.p99);
  series.ws.push(await rawWsFanout());
  series.hub.push(await hubFanout(tokens));
  console.log(
    `run ${run}/${RUNS}: raw BullMQ ${Math.round(series.raw.at(-1)!)}/s, pipeline ${Math.round(series.pipeline.at(-1)!)}/s, ` +
      `p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ws.send ${Math.round(series.ws.at(-1)!)}/s, hub ${Math.round(series.hub.at(-1)!)}/s`,
  );
}

const raw = summarize(series.raw);
const pipeline = summarize(series.pipeline);
const ws = summarize(series.ws);
const hub = summarize(series.hub);
const p50 = summarize(series.p50);
const p99 = summarize(series.p99);
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
console.log(`\nbench/pipeline — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
console.log(
  `${RUNS} runs; ${NOTIFICATIONS} notifications over ${USERS} users, worker concurrency ${CONCURRENCY}; medians (min, max)`,
);
console.log(`  raw BullMQ (addBulk + no-op worker)   ${formatSummary(raw, 'jobs/s')}`);
console.log(
  `  notify() → … → WebSocket client       ${formatSummary(pipeline, 'notifications/s')}   ${pct(pipeline.median, raw.median)} of raw — goal ≥ 70 %: ${verdict(pipeline.median / raw.median >= 0.7)}`,
);
console.log(
  `  latency at ${LATENCY_RATE}/s, commit → receipt   p50 ${p50.median.toFixed(1)} ms (goal ≤ 10: ${verdict(p50.median <= 10)}), p99 ${p99.median.toFixed(1)} ms (goal ≤ 25: ${verdict(p99.median <= 25)})`,
);
console.log(`  raw ws.send to ${FANOUT_USERS} clients          ${formatSummary(ws, 'messages/s')}`);
console.log(
  `  hub fan-out to ${FANOUT_USERS} users (Redis)    ${formatSummary(hub, 'messages/s')}   ${pct(hub.median, ws.median)} of raw — goal ≥ 70 %: ${verdict(hub.median / ws.median >= 0.7)}`,
);
process.exit(0);
