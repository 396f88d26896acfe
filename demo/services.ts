import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

/** Ends the demo with one clear line instead of a stack trace. */
export function giveUp(line: string): never {
  console.error(`tresta demo: ${line}`);
  process.exit(1);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * DATABASE_URL when set; otherwise an embedded database (PGlite) kept in TRESTA_DEMO_DATA_DIR, by
 * default `.demo-data/` at the top of the repository, so a restart finds yesterday's notifications.
 */
export function demoDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const folder = process.env.TRESTA_DEMO_DATA_DIR
    ? resolve(process.env.TRESTA_DEMO_DATA_DIR)
    : fileURLToPath(new URL('../.demo-data', import.meta.url));
  return `pglite://${folder}`;
}

/** REDIS_URL when set; otherwise a private in-memory redis-server on a free port, stopped on exit. */
export async function demoRedis(): Promise<{ url: string; child: ChildProcess | null }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, child: null };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const failed = once(child, 'error').then(() =>
    giveUp(
      'no REDIS_URL and no redis-server on PATH: install Redis (apt-get install redis-server, or brew install redis) or set REDIS_URL=redis://…',
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    // A few milliseconds on an idle machine; up to 20 s allowed for a busy one.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
    giveUp(`redis-server did not answer on port ${port}`);
  })();
  await Promise.race([ready, failed]);
  return { url, child };
}
