import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/private-redis.js';

const DEMO = fileURLToPath(new URL('../../demo/server.ts', import.meta.url));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

t.test('the demo starts with no configuration, and a critical notification reaches the list and the mailbox', async (t) => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const demo = spawn(process.execPath, ['--import', 'tsx', DEMO], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void demo.kill('SIGTERM'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tresta Notifications demo: http://localhost:')) resolve();
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited (${code}): ${output}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  t.match(await (await fetch(`${base}/`)).text(), /Tresta/);

  const { token } = (await (await fetch(`${base}/demo/token?user=ada`)).json()) as { token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const title = 'New sign-in';
  const before = ((await (await fetch(`${base}/demo/mailbox`)).json()) as unknown[]).length;
  t.same(
    await (
      await fetch(`${base}/demo/notify`, { method: 'POST', headers, body: JSON.stringify({ type: 'SECURITY_ALERT' }) })
    ).json(),
    { written: 1 },
  );

  const list = await until(
    async () =>
      (await (await fetch(`${base}/api/notifications?limit=1`, { headers })).json()) as {
        items: Array<{ title: string; type: string }>;
      },
    (page) => page.items[0]?.type === 'SECURITY_ALERT',
    'the notification in the list',
  );
  t.equal(list.items[0]?.title, title);
  const mailbox = await until(
    async () => (await (await fetch(`${base}/demo/mailbox`)).json()) as Array<{ to: string; subject: string; html: string }>,
    (mails) => mails.length > before,
    'the email in the mailbox',
  );
  t.match(mailbox[0], { to: 'Ada Lovelace <ada@demo.tresta.local>', subject: title, html: /View in Tresta/ });

  demo.kill('SIGTERM');
  const [code] = await once(demo, 'exit');
  t.equal(code, 0, 'stops cleanly, its private redis-server with it');
});

t.test('without redis-server on PATH and no REDIS_URL, one clear line says what to do', async (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), PATH: '/nonexistent' };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  const demo = spawn(process.execPath, ['--import', 'tsx', DEMO], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(demo, 'exit');
  t.equal(code, 1);
  t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  t.match(stderr, /no REDIS_URL and no redis-server on PATH/);
});
