import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Test } from 'tap';
import { QUEUES } from '../../plugin/jobs/registry.js';
import { CLOSE_RECONNECT } from '../../plugin/realtime/websocket-hub.js';
import { runRedrive, type RedriveOutcome } from '../../plugin/jobs/scheduled/redrive.js';
import { DEFAULT_NOTIFICATION_TYPES, type Notification, type NotifyInput } from '../../plugin/index.js';
import { createResendFake, RESEND_KEY, type ResendFakeHooks } from '../fakes/resend.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { spawnWorker, spawnWorkerProcess, type WorkerChild } from '../helpers/worker-child.js';
import { connectAuthenticated, type TestClient } from '../helpers/ws-client.js';
import { checkInvariants, listAll, type ProviderRecords } from './invariants.js';
import { FAULT_TYPES } from './types.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';

// A fault scenario: a fresh database, a redis-server of its own (FLUSHALL and restarts touch nobody
// else), an API instance (workers: false) listening for WebSocket clients, worker processes as
// children (SIGKILL is real), the Resend fake on a real port behind a gate that can reset or delay
// connections, and optional Ably and Slack fakes on real ports. The scenario produces a flood,
// waits for quiescence by polling with deadlines (never a bare sleep), and checks the invariants.

const FAULT_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const RECIPIENTS_MODULE = fileURLToPath(new URL('../fixtures/recipients.ts', import.meta.url));
export const ABLY_KEY = 'faultapp.keyid:faultsecret';
/** A killed worker's jobs are taken over after this long (the lock lapses, the stalled check runs as often). */
const LOCK_MS = 2_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ScenarioOptions {
  users?: number;
  clientsPerUser?: number;
  /** The normal-priority email budget per UTC day (the API and the workers agree on it). */
  dailyLimit?: number;
  /** The API and the workers reach Postgres through a TCP proxy the test can cut. */
  postgresProxy?: boolean;
  ably?: boolean;
  slack?: boolean;
  resendHooks?: ResendFakeHooks;
}

export interface SpawnOptions {
  /** 'fault' (default): test/faults/worker.ts; 'main': the real plugin/worker/main.ts (default types). */
  entry?: 'fault' | 'main';
  env?: Record<string, string>;
}

export interface FloodOptions {
  /** Notifications per notifyMany() call. */
  batch?: number;
  /** A pause between batches, so that a fault lands in the middle of the flood. */
  pauseMs?: number;
  /** Keep producing when a batch fails (Postgres away): that batch did not commit, or may have. */
  tolerateErrors?: boolean;
  /** Where the titles start (a second flood in the same scenario). */
  offset?: number;
  /** Include FAULT_NORMAL (normal-priority email); off for plugin/worker/main.ts, which knows only the default types. */
  normal?: boolean;
}

/** The flood's mix: mostly digest-type, one in ten critical (emailed at once), one in twenty normal (the budget). */
function floodInput(n: number, users: number, normal: boolean): NotifyInput {
  const type =
    n % 10 === 3
      ? 'SECURITY_ALERT'
      : n % 20 === 7 && normal
        ? 'FAULT_NORMAL'
        : n % 50 === 11
          ? 'TESTIMONIAL_FLAGGED'
          : 'NEW_TESTIMONIAL';
  // Ten in a row per user: each user gets every type (and never more single emails an hour than the seed's per-user limit allows).
  return {
    userId: userOf(Math.floor(n / 10) % users),
    type,
    title: `flood #${n}`,
    message: `notification ${n} of the fault suite`,
  };
}

export const userOf = (index: number) => `user_${String(index).padStart(3, '0')}`;

/** Answers like Resend's gate to the fake: passes through, or resets / delays the next requests. */
export interface ProviderGate {
  baseUrl: string;
  /** The next `count` requests: the connection is reset before the provider sees them. */
  resetBefore: (count: number) => void;
  /** The next `count` requests reach the provider (it may send), then the connection is reset: the answer is lost. */
  resetAfter: (count: number) => void;
  /** The next `count` answers are held this long. */
  delay: (count: number, ms: number) => void;
  /** Passes everything through again. */
  clear: () => void;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listenLocal(server: Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function startProviderGate(target: string): Promise<{ gate: ProviderGate; server: Server }> {
  const plan: Array<{ kind: 'reset-before' | 'reset-after' | 'delay'; ms?: number }> = [];
  const server = createServer(async (incoming, outgoing) => {
    const body = await readBody(incoming);
    const step = plan.shift();
    if (step?.kind === 'reset-before') return void incoming.socket.destroy();
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers.set(name, value);
    }
    const response = await fetch(`${target}${incoming.url}`, { method: incoming.method, headers, body: new Uint8Array(body) });
    const answer = Buffer.from(await response.arrayBuffer());
    if (step?.kind === 'reset-after') return void incoming.socket.destroy();
    if (step?.kind === 'delay') await sleep(step.ms!);
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding'].includes(name))
        out[name] = value;
    });
    outgoing.writeHead(response.status, out);
    outgoing.end(answer);
  });
  const port = await listenLocal(server);
  const add = (count: number, kind: 'reset-before' | 'reset-after' | 'delay', ms?: number) => {
    for (let i = 0; i < count; i++) plan.push({ kind, ms });
  };
  return {
    server,
    gate: {
      baseUrl: `http://127.0.0.1:${port}`,
      resetBefore: (count) => add(count, 'reset-before'),
      resetAfter: (count) => add(count, 'reset-after'),
      delay: (count, ms) => add(count, 'delay', ms),
      clear: () => void plan.splice(0),
    },
  };
}

/**
 * Ably's REST publish on a real port (test/fakes/ably.ts is msw, which a child process does not
 * share): Basic auth with the key, a JSON array of messages, 201; a message id seen before is
 * accepted and not delivered again, as Ably does; 500 for the next N requests when asked.
 */
async function startAblyFake() {
  const delivered = new Map<string, { channel: string }>();
  let requests = 0;
  let failNext = 0;
  const expected = `Basic ${Buffer.from(ABLY_KEY).toString('base64')}`;
  const server = createServer(async (incoming, outgoing) => {
    const body = (await readBody(incoming)).toString('utf8');
    requests++;
    const match = /^\/channels\/([^/]+)\/messages/.exec(incoming.url ?? '');
    const reply = (status: number, json: unknown) => {
      outgoing.writeHead(status, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(json));
    };
    if (!match || incoming.method !== 'POST')
      return reply(404, { error: { code: 40400, message: 'Not found', statusCode: 404 } });
    if (incoming.headers.authorization !== expected) {
      return reply(401, { error: { code: 40101, message: 'Invalid credentials', statusCode: 401 } });
    }
    if (failNext > 0) {
      failNext--;
      return reply(500, { error: { code: 50000, message: 'Internal error', statusCode: 500 } });
    }
    const channel = decodeURIComponent(match[1]!);
    const parsed = JSON.parse(body) as { id?: string } | Array<{ id?: string }>;
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    for (const message of messages) if (message.id && !delivered.has(message.id)) delivered.set(message.id, { channel });
    reply(201, { channel, messageId: messages[0]?.id ?? 'generated' });
  });
  // ably-js is given `endpoint: 'localhost'`, which may resolve to ::1 or 127.0.0.1.
  server.listen(0);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    delivered,
    requests: () => requests,
    failNextRequests: (count: number) => {
      failNext = count;
    },
  };
}

/** Slack's incoming webhook on a real port: records each alert, answers "ok" unless answers were queued. */
async function startSlackFake() {
  const received: string[] = [];
  const answers: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];
  const server = createServer(async (incoming, outgoing) => {
    const body = JSON.parse((await readBody(incoming)).toString('utf8')) as { text: string };
    received.push(body.text);
    const answer = answers.shift() ?? { status: 200, body: 'ok' };
    outgoing.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    outgoing.end(answer.body);
  });
  const port = await listenLocal(server);
  return {
    server,
    url: `http://127.0.0.1:${port}/services/T000/B000/fault-suite`,
    received,
    /** Plain-text answers for the next requests, in order (Slack's errors are plain text). */
    answerNext: (...next: Array<{ status: number; body: string; headers?: Record<string, string> }>) =>
      void answers.push(...next),
  };
}

function spawnFaultWorker(env: Record<string, string>): WorkerChild {
  return spawnWorkerProcess(FAULT_WORKER, env);
}

/**
 * A client that does what the widget does when the server asks it to reconnect (1012: this API
 * instance's Redis feed was cut, so pub/sub may have swallowed messages): it reconnects and
 * refetches its list. Its frames are those of every socket it had, plus the refetched items.
 */
async function connectCatchingUp(
  connect: () => Promise<TestClient>,
  catchUp: () => Promise<Array<{ id: string; title: string }>>,
  /** False once the API instance has stopped (its shutdown also closes sockets with 1012). */
  serving: () => boolean,
): Promise<TestClient> {
  const sockets: TestClient[] = [await connect()];
  const refetched: Array<Record<string, unknown>> = [];
  const follow = (client: TestClient) =>
    void client.closed.then(async ({ code }) => {
      if (code !== CLOSE_RECONNECT) return;
      const next = await until(
        async () => (serving() ? connect().catch(() => null) : 'stopped'),
        (socket) => socket !== null,
        'a reconnect after 1012',
      );
      if (next === 'stopped' || next === null) return;
      sockets.push(next);
      follow(next);
      for (const item of await catchUp()) refetched.push({ name: 'new-notification', data: item });
    });
  follow(sockets[0]!);
  const current = () => sockets.at(-1)!;
  return {
    get socket() {
      return current().socket;
    },
    get frames() {
      return [...sockets.flatMap((socket) => socket.frames), ...refetched];
    },
    waitFor: (match, deadlineMs) => current().waitFor(match, deadlineMs),
    get closed() {
      return current().closed;
    },
  };
}

export type Scenario = Awaited<ReturnType<typeof startScenario>>;

export async function startScenario(t: Test, options: ScenarioOptions = {}) {
  // The budget invariant and the alerts are per UTC day: one day per scenario.
  await awayFromUtcMidnight();
  const users = options.users ?? 8;
  const clientsPerUser = options.clientsPerUser ?? 2;
  const dailyLimit = options.dailyLimit ?? 200;
  const prefix = `fault${Math.random().toString(36).slice(2, 8)}`;
  const workers: WorkerChild[] = [];
  const servers: Server[] = [];
  const clients = new Map<string, TestClient[]>();
  const queues: Queue[] = [];
  let observer: pg.Client | null = null;
  let admin: Redis | null = null;
  let redis: PrivateRedis | null = null;
  let proxy: TcpProxy | null = null;
  // One teardown, in an order that never waits on something already gone.
  t.teardown(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    for (const list of clients.values()) for (const client of list) client.socket.terminate();
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    admin?.disconnect();
    await observer?.end().catch(() => undefined);
    await Promise.all(servers.map(closeServer));
    await redis?.stop();
    await proxy?.close();
  });

  redis = await startPrivateRedis();
  if (options.postgresProxy) proxy = await startTcpProxy(5432);
  const resend = createResendFake({}, options.resendHooks);
  const fake = await resend.listen();
  servers.push(fake.server);
  const provider = await startProviderGate(fake.baseUrl);
  servers.push(provider.server);
  const ably = options.ably ? await startAblyFake() : null;
  if (ably) servers.push(ably.server);
  const slack = options.slack ? await startSlackFake() : null;
  if (slack) servers.push(slack.server);

  const test: TestApp = await buildTestApp(
    t,
    {
      workers: false,
      redis: { url: redis.url, prefix },
      types: FAULT_TYPES,
      email: { dailyLimit },
      apiRateLimitPerMinute: 1_000_000,
    },
    proxy?.port,
  );
  const { app } = test;
  // The database as the workers reach it: through the proxy when Postgres is to be taken away.
  const databaseUrl = proxy ? Object.assign(new URL(test.db.url), { port: String(proxy.port) }).toString() : test.db.url;
  observer = new pg.Client({ connectionString: test.db.url });
  // Dropping the database at the end (with force) ends this session too.
  observer.on('error', () => {});
  await observer.connect();
  admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  admin.on('error', () => {});
  for (const name of Object.values(QUEUES)) {
    const queue = new Queue(name, { connection: admin, prefix });
    queue.on('error', () => {});
    queues.push(queue);
  }
  const queue = (name: keyof typeof QUEUES) => queues.find((q) => q.name === QUEUES[name])!;

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const wsUrl = `${address.replace('http', 'ws')}/api/notifications/ws`;
  for (let u = 0; u < users; u++) {
    const userId = userOf(u);
    const list: TestClient[] = [];
    for (let c = 0; c < clientsPerUser; c++) {
      const token = await test.tokens.sign(userId, { expiresIn: '1h' });
      list.push(
        await connectCatchingUp(
          () => connectAuthenticated(wsUrl, token, APP_ORIGIN),
          () => listAll({ app, authFor: test.authFor }, userId),
          () => app.server.listening,
        ),
      );
    }
    clients.set(userId, list);
  }

  const baseEnv = {
    RESEND_API_KEY: RESEND_KEY,
    ENABLE_REAL_EMAILS: 'true',
    RESEND_BASE_URL: provider.gate.baseUrl,
    TRESTA_RECIPIENTS_MODULE: RECIPIENTS_MODULE,
    TRESTA_JOB_LOCK_MS: String(LOCK_MS),
    FAULT_DAILY_LIMIT: String(dailyLimit),
    ...(ably ? { ABLY_API_KEY: ABLY_KEY, ENABLE_REAL_NOTIFICATIONS: 'true', FAULT_ABLY_PORT: String(ably.port) } : {}),
    ...(slack ? { SLACK_WEBHOOK_URL: slack.url } : {}),
  };

  /** A worker process (relay, workers, scheduled jobs) against this scenario; resolves once it has started. */
  const spawnWorkerProcess = async (spawnOptions: SpawnOptions = {}): Promise<WorkerChild> => {
    const env = { ...baseEnv, ...spawnOptions.env };
    const worker =
      spawnOptions.entry === 'main'
        ? spawnWorker({ databaseUrl, redisUrl: redis!.url, prefix }, env)
        : spawnFaultWorker({ ...env, DATABASE_URL: databaseUrl, REDIS_URL: redis!.url, TRESTA_REDIS_PREFIX: prefix });
    workers.push(worker);
    await worker.started;
    return worker;
  };

  const kill = async (worker: WorkerChild, signal: NodeJS.Signals = 'SIGKILL') => {
    worker.child.kill(signal);
    return worker.exited;
  };

  let produced = 0;
  let floodFailures = 0;
  /** Produces `count` notifications through notifyMany(), batch by batch; answers what committed. */
  const flood = async (count: number, floodOptions: FloodOptions = {}): Promise<Notification[]> => {
    const batch = floodOptions.batch ?? 100;
    const offset = floodOptions.offset ?? produced;
    produced = Math.max(produced, offset + count);
    const committed: Notification[] = [];
    for (let start = 0; start < count; start += batch) {
      const inputs = Array.from({ length: Math.min(batch, count - start) }, (_, i) =>
        floodInput(offset + start + i, users, floodOptions.normal ?? true),
      );
      try {
        committed.push(...(await app.notifications.notifyMany(inputs)));
      } catch (error) {
        if (!floodOptions.tolerateErrors) throw error;
        floodFailures++;
      }
      if (floodOptions.pauseMs) await sleep(floodOptions.pauseMs);
    }
    return committed;
  };

  /** Distinct notification ids received, over every client. */
  const received = () => {
    const ids = new Set<string>();
    for (const list of clients.values()) {
      for (const client of list)
        for (const frame of client.frames) if (frame.name === 'new-notification') ids.add((frame.data as { id: string }).id);
    }
    return ids.size;
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await observer!.query(sql, params)).rows[0]?.count ?? 0);

  /** What still moves: an empty list when the outbox, the queues and the deliveries are all at rest. */
  const unsettled = async (): Promise<string[]> => {
    const pending: string[] = [];
    const outbox = await count(`select count(*)::int as count from tresta_outbox where status = 'pending'`);
    if (outbox > 0) pending.push(`${outbox} outbox rows pending`);
    const undelivered = await count(`select count(*)::int as count from tresta_outbox where status = 'queued'`);
    if (undelivered > 0) pending.push(`${undelivered} notifications whose deliver job never finished`);
    for (const q of queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children', 'delayed');
      const moving = Object.entries(counts).filter(([state, n]) => n > 0 && state !== 'delayed');
      if (moving.length > 0) pending.push(`${q.name}: ${moving.map(([state, n]) => `${n} ${state}`).join(', ')}`);
      if (q.name === QUEUES.scheduled || counts.delayed === 0) continue;
      // Delayed email jobs are at rest only when they sleep until the next UTC day (deferred).
      const delayed = await q.getJobs(['delayed'], 0, 1_000);
      const deferredIds = new Set(
        (
          await observer!.query<{ id: string }>(
            `select notification_id as id from tresta_email_deliveries where status = 'deferred'`,
          )
        ).rows.map((row) => `email-${row.id}`),
      );
      const retrying = delayed.filter((job) => !deferredIds.has(job.id ?? ''));
      if (retrying.length > 0) {
        const [job] = retrying;
        pending.push(
          `${q.name}: ${retrying.length} delayed for a retry (${job!.id}: ${job!.failedReason || 'no failure'}, delay ${job!.delay} ms)`,
        );
      }
    }
    const open = await count(
      `select count(*)::int as count from tresta_email_deliveries d
       where d.status in ('pending', 'failed')
         and not exists (select 1 from tresta_dead_letters l
                         where l.requeued_at is null
                           and l.job_id = coalesce('email-' || d.notification_id::text, 'digest-' || d.digest_run_id::text))`,
    );
    if (open > 0) pending.push(`${open} emails neither sent, deferred, suppressed nor dead-lettered`);
    return pending;
  };

  const invariants = () =>
    checkInvariants({
      pg: observer!,
      app,
      authFor: test.authFor,
      provider: resend,
      clients,
      dailyLimit,
      types: FAULT_TYPES,
      ably: ably?.delivered,
    });

  /**
   * Waits until everything is at rest and the invariants hold, or the deadline passes; answers what
   * was still moving and the violations (both empty when all is well). Frames may trail the
   * database by a moment, so the invariants are polled too, not read once.
   */
  const settle = async (deadlineMs = 90_000): Promise<{ unsettled: string[]; violations: string[] }> => {
    const deadline = Date.now() + deadlineMs;
    let pending = await unsettled();
    while (pending.length > 0 && Date.now() < deadline) {
      await sleep(250);
      pending = await unsettled();
    }
    let violations = await invariants();
    while (violations.length > 0 && Date.now() < deadline) {
      await sleep(500);
      violations = await invariants();
    }
    return { unsettled: pending, violations };
  };

  /** Asserts quiescence and the four invariants, with the violations in the failure message. */
  const assertInvariants = async (t: Test, deadlineMs?: number) => {
    const result = await settle(deadlineMs);
    t.same(result.unsettled, [], 'the pipeline came to rest');
    t.same(result.violations, [], 'the four invariants hold over the whole history');
    return result;
  };

  /**
   * The re-drive sweeper's job (jobs/scheduled/redrive.ts), run here with its tick moved past its
   * 2-minute grace period: lost work that young is otherwise left to the normal path, and a test
   * cannot wait for it. The run-now route (POST /admin/jobs/redrive/run) runs the same function
   * with the tick at "now".
   */
  const redrive = (): Promise<RedriveOutcome> =>
    runRedrive(
      {
        orm: app.notifications.orm,
        queues: { notifications: queue('notifications'), emails: queue('emails'), digests: queue('digests') },
        types: { ...DEFAULT_NOTIFICATION_TYPES, ...FAULT_TYPES },
      },
      new Date(Date.now() + 3 * 60_000),
    );

  /** Backends of the scenario's database other than the test's own observer session. */
  const backends = async () =>
    (
      await observer!.query<{ pid: number; query: string; wait_event_type: string | null }>(
        `select pid, query, wait_event_type from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      )
    ).rows;

  return {
    t,
    app,
    test,
    prefix,
    users,
    dailyLimit,
    databaseUrl,
    redis,
    admin,
    proxy,
    observer,
    resend: {
      sent: resend.sent as ProviderRecords['sent'],
      calls: resend.calls,
      /** Errors answered to the next calls, in order, before anything else the fake would say. */
      inject: (...responses: Array<{ status: number; name: string; headers?: Record<string, string> }>) =>
        resend.inject(...responses),
    },
    gate: provider.gate,
    ably,
    slack,
    clients,
    workers,
    queue,
    spawnWorker: spawnWorkerProcess,
    kill,
    flood,
    /** Batches the producer saw fail (tolerateErrors). */
    floodFailures: () => floodFailures,
    received,
    count,
    unsettled,
    invariants,
    settle,
    assertInvariants,
    redrive,
    backends,
    waitUntil: until,
  };
}
