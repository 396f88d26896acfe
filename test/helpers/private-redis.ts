import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function waitUntilAnswering(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

export interface PrivateRedis {
  url: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, so a test can stop and restart Redis without
 * disturbing the other test files that share the machine's Redis. A free port can be taken by
 * another process before redis-server binds it (an outgoing connection of a parallel test, say):
 * the first start then tries another port; a restart must keep its port and fails loudly.
 */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  let port = await freePort();
  let child: ChildProcess | null = null;
  const url = () => `redis://127.0.0.1:${port}`;
  const start = async () => {
    const spawned = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
      { stdio: 'ignore' },
    );
    child = spawned;
    const exitedEarly = once(spawned, 'exit').then(([code]) => {
      throw new Error(`redis-server on port ${port} exited (${code}): the port was taken`);
    });
    try {
      await Promise.race([waitUntilAnswering(url()), exitedEarly]);
    } finally {
      exitedEarly.catch(() => undefined);
    }
  };
  const stop = async () => {
    if (!child) return;
    const running = child;
    child = null;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      await stop();
      if (attempt === 3) throw error;
      port = await freePort();
    }
  }
  return { url: url(), start, stop };
}
