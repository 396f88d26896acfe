import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './private-redis.js';
import { POSTGRES_ADMIN_URL } from './services.js';

// Debian installs it in /usr/sbin, which is not on every user's PATH.
const PGBOUNCER = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';

export interface PrivatePgBouncer {
  /** `url`'s database, reached through the pooler. */
  urlFor: (url: string) => string;
  stop: () => Promise<void>;
}

async function waitUntilAnswering(url: string, exited: Promise<never>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await Promise.race([client.connect(), exited]);
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline || (error as Error).message.startsWith('pgbouncer exited')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Debian's PgBouncer in transaction mode (what Supabase, Neon's `-pooler` host and most managed
 * poolers run) on a free port, in front of the machine's Postgres, for this test file alone. Each
 * client transaction gets whichever server connection is free: session state (a session advisory
 * lock, LISTEN) stays behind with a server connection the client no longer holds.
 */
export async function startPrivatePgBouncer(poolSize = 4): Promise<PrivatePgBouncer> {
  const upstream = new URL(POSTGRES_ADMIN_URL);
  const folder = await mkdtemp(join(tmpdir(), 'tresta-pgbouncer-'));
  // PgBouncer refuses to run as root; as root it runs as nobody, which must read the config.
  const asRoot = process.getuid?.() === 0;
  await chmod(folder, 0o755);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const ini = join(folder, 'pgbouncer.ini');
    await writeFile(
      ini,
      [
        '[databases]',
        `* = host=${upstream.hostname} port=${upstream.port || 5432} user=${decodeURIComponent(upstream.username) || 'postgres'}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = any',
        'pool_mode = transaction',
        'max_client_conn = 500',
        `default_pool_size = ${poolSize}`,
        'ignore_startup_parameters = extra_float_digits,options',
        '',
      ].join('\n'),
    );
    await chmod(ini, 0o644);
    const child: ChildProcess = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), ini], { stdio: 'ignore' });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`pgbouncer exited (${code}) on port ${port}`);
    });
    exited.catch(() => undefined);
    const urlFor = (url: string) => {
      const pooled = new URL(url);
      pooled.hostname = '127.0.0.1';
      pooled.port = String(port);
      return pooled.toString();
    };
    try {
      await waitUntilAnswering(urlFor(POSTGRES_ADMIN_URL), exited);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt === 3) throw error;
      continue;
    }
    return {
      urlFor,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = once(child, 'exit');
          child.kill('SIGKILL');
          await gone;
        }
        await rm(folder, { recursive: true, force: true });
      },
    };
  }
}
