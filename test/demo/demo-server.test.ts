import t, { type Test } from 'tap';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/private-redis.js';
import { REDIS_URL } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { DEMO_HISTORY } from '../../demo/history.js';

const DEMO = fileURLToPath(new URL('../../demo/server.ts', import.meta.url));

interface RunningDemo {
  base: string;
  child: ChildProcessWithoutNullStreams;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** The demo's environment with nothing configured: no services, no provider keys. */
function bareEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'RESEND_API_KEY', 'ABLY_API_KEY', 'APP_URL', 'TRESTA_REDIS_PREFIX']) {
    if (!(name in overrides)) delete env[name];
  }
  return env;
}

/** `tsx demo/server.ts`, as `npm run demo` runs it; resolves once it has printed its URL. */
async function startDemo(t: Test, overrides: NodeJS.ProcessEnv): Promise<RunningDemo> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO], { env: bareEnv({ PORT: String(port), ...overrides }) });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Tresta Notifications demo:')) resolve();
    });
    void exited.then((code) => reject(new Error(`the demo exited (${code}): ${stdout}${stderr}`)));
  });
  t.equal(stdout, `Tresta Notifications demo: http://localhost:${port}\n`, 'prints one URL');
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const json = async <T>(response: Promise<Response>): Promise<T> => (await response).json() as Promise<T>;

async function signIn(base: string, user: string): Promise<Record<string, string>> {
  const { token } = await json<{ token: string }>(fetch(`${base}/demo/token?user=${user}`));
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

interface Mail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** Signs Ada in, fires a SECURITY_ALERT through the demo's route, and finds it in her list and her inbox. */
async function securityAlertReachesListAndMailbox(t: Test, base: string): Promise<string> {
  t.match(await (await fetch(`${base}/`)).text(), /<tresta-notifications api-base="\/api"/, 'the page hosts the widget');
  const landing = await fetch(`${base}/testimonials/42/approve`);
  t.equal(landing.status, 200, 'a notification’s link or action leads to a page of the demo');
  t.match(await landing.text(), /<h1>\/testimonials\/42\/approve<\/h1>/, 'naming where it leads');
  const headers = await signIn(base, 'ada');
  // Web push is on with the key pair the demo made at start, and the operations panel shows its key.
  const session = await json<{ webPush: { vapidPublicKey: string; source: string } }>(fetch(`${base}/demo/token?user=ada`));
  const offer = await json<{ push?: { vapidPublicKey: string } }>(fetch(`${base}/api/notifications/realtime`, { headers }));
  t.equal(offer.push?.vapidPublicKey, session.webPush.vapidPublicKey, 'web push is offered with the demo’s VAPID key');
  t.match(session.webPush.source, /generated at start/);
  const mailsBefore = (await json<Mail[]>(fetch(`${base}/demo/mailbox`))).length;
  const fired = await json(
    fetch(`${base}/demo/notify`, { method: 'POST', headers, body: JSON.stringify({ type: 'SECURITY_ALERT' }) }),
  );
  t.same(fired, { written: 1 });

  const page = await json<{ items: Array<{ id: string; type: string; title: string }> }>(
    fetch(`${base}/api/notifications?limit=1`, { headers }),
  );
  t.match(page.items, [{ type: 'SECURITY_ALERT', title: 'New sign-in' }], 'in the list at once');
  const mails = await until(
    () => json<Mail[]>(fetch(`${base}/demo/mailbox`)),
    (rows) => rows.length > mailsBefore,
    'the email in the mailbox',
  );
  t.match(mails[0], {
    to: 'Ada Lovelace <ada@demo.tresta.local>',
    subject: 'New sign-in',
    html: /View in Tresta/,
    text: /New sign-in/,
  });
  return page.items[0]!.id;
}

interface Cost {
  redisCommands: number;
  since: string;
  ably: boolean;
}

/** The operations panel's cost of the day: admins only, and Redis commands that grow with the work done. */
async function costOfTheDay(t: Test, base: string): Promise<void> {
  const refused = await fetch(`${base}/demo/cost`, { headers: await signIn(base, 'ada') });
  t.equal(refused.status, 403, 'the cost figures are for admins');
  const admin = await signIn(base, 'grace');
  const before = await json<Cost>(fetch(`${base}/demo/cost`, { headers: admin }));
  t.match(before, { ably: false }, 'without an Ably key the messages go over the built-in WebSocket');
  t.ok(Date.parse(before.since) <= Date.now(), `counted since ${before.since}`);
  await json(
    fetch(`${base}/demo/notify`, {
      method: 'POST',
      headers: await signIn(base, 'alan'),
      body: JSON.stringify({ type: 'NEW_TESTIMONIAL' }),
    }),
  );
  const after = await until(
    () => json<Cost>(fetch(`${base}/demo/cost`, { headers: admin })),
    (cost) => cost.redisCommands > before.redisCommands,
    'Redis commands counted for the notification',
  );
  t.equal(after.since, before.since, 'the same day, the same count');
}

/**
 * A fresh demo has a past (Ada's testimonial notifications) and nothing is back-dated: a
 * testimonial fired a moment ago is in the digest Grace's "Run digest now" sends Ada at once.
 */
async function digestRunsAtOnce(t: Test, base: string): Promise<void> {
  const headers = { ...(await signIn(base, 'ada')), 'content-type': 'application/json' };
  const fired = await json(
    fetch(`${base}/demo/notify`, { method: 'POST', headers, body: JSON.stringify({ type: 'NEW_TESTIMONIAL' }) }),
  );
  t.same(fired, { written: 1 }, 'a testimonial fired just now');
  const { items } = await json<{ items: Array<{ type: string; createdAt: string }> }>(
    fetch(`${base}/api/notifications`, { headers: await signIn(base, 'ada') }),
  );
  const testimonials = items.filter((n) => n.type !== 'SECURITY_ALERT');
  t.same(
    // One batch shares one timestamp, so the list orders them by id: compare as a multiset.
    testimonials.map((n) => n.type).sort(),
    [...DEMO_HISTORY.map((n) => n.type), 'NEW_TESTIMONIAL'].sort(),
    "Ada's history and the fresh one",
  );
  t.ok(
    testimonials.every((n) => Date.now() - Date.parse(n.createdAt) < 3_600_000),
    'none of them back-dated',
  );
  const run = await json<Record<string, unknown>>(
    fetch(`${base}/admin/jobs/digest/run`, {
      method: 'POST',
      headers: { authorization: (await signIn(base, 'grace')).authorization! },
    }),
  );
  t.match(run, { job: 'digest', status: 'completed', sent: 1 }, 'the digest run sends one');
  const mails = await until(
    () => json<Mail[]>(fetch(`${base}/demo/mailbox`)),
    (rows) => rows.some((mail) => mail.subject.startsWith('Your daily digest')),
    'the digest in the mailbox',
  );
  t.match(
    mails.find((mail) => mail.subject.startsWith('Your daily digest')),
    {
      to: 'Ada Lovelace <ada@demo.tresta.local>',
      subject: `Your daily digest: ${DEMO_HISTORY.length + 1} new notifications`,
      headers: { 'List-Unsubscribe': /^<http/ },
    },
    "Ada's digest, listing them all (the one just fired too), with its one-click unsubscribe",
  );
}

t.test('with nothing configured: an embedded database in the data folder and a private redis-server', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tresta-demo-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const demo = await startDemo(t, { TRESTA_DEMO_DATA_DIR: dataDir });
  const id = await securityAlertReachesListAndMailbox(t, demo.base);
  await digestRunsAtOnce(t, demo.base);
  await costOfTheDay(t, demo.base);
  t.same(await readdir(dataDir).then((names) => names.sort()), ['pgdata', 'tresta.pid'], 'the database lives in the data folder');
  t.equal(await demo.stop(), 0, 'stops cleanly, its private redis-server with it');

  const again = await startDemo(t, { TRESTA_DEMO_DATA_DIR: dataDir });
  const { items } = await json<{ items: Array<{ id: string }> }>(
    fetch(`${again.base}/api/notifications`, { headers: await signIn(again.base, 'ada') }),
  );
  t.ok(
    items.some((n) => n.id === id),
    'a restart finds the notification',
  );
  t.equal(
    items.length,
    DEMO_HISTORY.length + 2,
    'and writes no second history: the alert, the testimonial and the history of the first start',
  );
  t.equal(await again.stop(), 0);
});

t.test('with DATABASE_URL and REDIS_URL: the machine’s PostgreSQL and Redis', async (t) => {
  const db = await createTestDatabase();
  const demo = await startDemo(t, {
    DATABASE_URL: db.url,
    REDIS_URL,
    TRESTA_REDIS_PREFIX: `tresta-demo-${randomBytes(4).toString('hex')}`,
  });
  t.teardown(() => db.drop());
  await securityAlertReachesListAndMailbox(t, demo.base);
  t.equal(await demo.stop(), 0);
});

t.test('without redis-server on PATH and no REDIS_URL, one line says how to get it', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tresta-demo-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO], {
    env: bareEnv({ PORT: String(await freePort()), PATH: '/nonexistent', TRESTA_DEMO_DATA_DIR: dataDir }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  t.equal(code, 1);
  t.equal(stdout, '', 'no URL');
  t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  t.match(
    stderr,
    /no REDIS_URL and no redis-server on PATH: install Redis \(apt-get install redis-server, or brew install redis\)/,
  );
});
