// bench/hub — the WebSocket hub's fan-out beside a bare ws server, same run, 5 runs, medians.
//
// 5,000 users, each with one real WebSocket client. Both sides receive the same messages the same
// way: published through Redis pub/sub in one pipeline (one per user, BENCH_HUB_ROUNDS times), read
// by one subscriber connection, and written to the user's socket.
// - hub: the plugin registered in Fastify; the payload is what the plugin's publisher sends
//   (encodeFanout), and the hub finds the user's sockets and sends the frame it carries.
// - raw floor: a bare `ws` server whose subscriber hands each message's socket (by arrival order) a
//   frame built before the clock starts: no lookup, no decoding, only Redis delivery and ws.send.
// The figure is messages received by the clients per second, first publish to last receipt.
// Goal: the hub ≥ 75 % of the raw floor.
//
// Usage: npm run bench:hub   (BENCH_RUNS=5 BENCH_FANOUT_USERS=5000 BENCH_HUB_ROUNDS=4)
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import trestaNotifications from '../plugin/index.js';
import type { RealtimeMessage } from '../plugin/contract/index.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { encodeFanout, fanoutChannel } from '../plugin/realtime/redis-fanout.js';
import { createTokenKit, type TokenKit } from '../test/helpers/tokens.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const USERS = Number(process.env.BENCH_FANOUT_USERS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_HUB_ROUNDS ?? 4);
const PREFIX = 'tresta-bench-hub';
const GOAL = 0.75;
/** Every bench client connects from 127.0.0.1: the per-address limits would refuse most of them. */
const ONE_ADDRESS_MANY_CLIENTS = { maxPendingSocketsPerIp: 100_000, upgradesPerMinutePerIp: 100_000 };

const databaseUrl = await benchDatabase(ADMIN_URL, 'tresta_bench_hub');
await applyMigrations(databaseUrl);

const userId = (i: number) => `user_${i}`;
/** A frame the size of a real new-notification message (about 400 bytes). */
const message = (i: number) =>
  ({
    name: 'new-notification',
    data: {
      id: `0193b1c4-7e2a-7c3d-9f10-${String(i).padStart(12, '0')}`,
      type: 'NEW_TESTIMONIAL',
      title: 'A new testimonial arrived',
      message: 'Jane Doe left a five-star testimonial on your Pro plan page.',
      link: 'https://app.example.com/testimonials/42',
      metadata: { testimonialId: 42 },
      priority: 'normal',
      isRead: false,
      isArchived: false,
      createdAt: '2026-12-06T16:00:00.000Z',
    },
  }) as unknown as RealtimeMessage;

/** Counts frames received by every client; `done` resolves once `expected` have arrived. */
function receipts(expected: number) {
  let received = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  return {
    done,
    count: () => {
      if (++received === expected) finished();
    },
  };
}

/** Publishes every round's payloads in one pipeline and times them until the clients have them all. */
async function publishAndTime(channel: string, payload: (i: number) => string, received: Promise<void>): Promise<number> {
  const publisher = new Redis(REDIS_URL);
  const started = performance.now();
  const pipeline = publisher.pipeline();
  for (let round = 0; round < ROUNDS; round++) for (let i = 0; i < USERS; i++) pipeline.publish(channel, payload(i));
  await pipeline.exec();
  await received;
  const rate = (USERS * ROUNDS) / ((performance.now() - started) / 1000);
  publisher.disconnect();
  return rate;
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
  const wsUrl = `${address.replace('http', 'ws')}/api/notifications/ws`;
  const received = receipts(USERS * ROUNDS);
  const clients: WebSocket[] = [];
  for (let start = 0; start < USERS; start += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, USERS - start) }, async (_, i) => {
        const client = new WebSocket(wsUrl);
        await once(client, 'open');
        client.send(JSON.stringify({ type: 'auth', token: await tokens.sign(userId(start + i), { expiresIn: '2h' }) }));
        await once(client, 'message');
        client.on('message', received.count);
        return client;
      }),
    );
    clients.push(...batch);
  }
  const payloads = Array.from({ length: USERS }, (_, i) => encodeFanout(userId(i), message(i)));
  const rate = await publishAndTime(fanoutChannel(PREFIX), (i) => payloads[i] as string, received.done);
  clients.forEach((client) => client.close());
  await app.close();
  return rate;
}

async function rawFanout(): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const serverSockets: WebSocket[] = [];
  server.on('connection', (socket) => serverSockets.push(socket));
  const { port } = server.address() as { port: number };
  const received = receipts(USERS * ROUNDS);
  const clients: WebSocket[] = [];
  for (let start = 0; start < USERS; start += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, USERS - start) }, async () => {
        const client = new WebSocket(`ws://127.0.0.1:${port}`);
        client.on('message', received.count);
        await once(client, 'open');
        return client;
      }),
    );
    clients.push(...batch);
  }
  while (serverSockets.length < USERS) await new Promise((resolve) => setImmediate(resolve));
  const frames = Array.from({ length: USERS }, (_, i) => Buffer.from(JSON.stringify(message(i))));
  const channel = `${PREFIX}:raw`;
  const subscriber = new Redis(REDIS_URL);
  await subscriber.subscribe(channel);
  let next = 0;
  subscriber.on('messageBuffer', () => {
    const i = next++ % USERS;
    (serverSockets[i] as WebSocket).send(frames[i] as Buffer, { binary: false });
  });
  const payloads = Array.from({ length: USERS }, (_, i) => encodeFanout(userId(i), message(i)));
  const rate = await publishAndTime(channel, (i) => payloads[i] as string, received.done);
  subscriber.disconnect();
  clients.forEach((client) => client.close());
  server.close();
  return rate;
}

const tokens = await createTokenKit();
const series = { raw: [] as number[], hub: [] as number[] };
for (let run = 1; run <= RUNS; run++) {
  series.raw.push(await rawFanout());
  series.hub.push(await hubFanout(tokens));
  console.log(`run ${run}/${RUNS}: raw ${Math.round(series.raw.at(-1)!)}/s, hub ${Math.round(series.hub.at(-1)!)}/s`);
}

const raw = summarize(series.raw);
const hub = summarize(series.hub);
const share = hub.median / raw.median;
console.log(`\nbench/hub — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
console.log(
  `${RUNS} runs; ${USERS} users, one client each, ${ROUNDS} messages per user through Redis pub/sub; medians (min, max)`,
);
console.log(`  raw floor: bare ws server, pre-built frames   ${formatSummary(raw, 'messages/s')}`);
console.log(
  `  hub fan-out (the plugin)                    ${formatSummary(hub, 'messages/s')}   ${(share * 100).toFixed(1)} % of raw — goal ≥ ${GOAL * 100} %: ${share >= GOAL ? 'MEETS' : 'MISSES'}`,
);
process.exit(0);
