import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const DIGEST_WORKER = fileURLToPath(new URL('./fixtures/digest-worker.ts', import.meta.url));

export interface DigestWorkerChild {
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<number | null>;
}

/** A real worker process with the email channel on (see digest-worker.ts), so SIGKILL is real. */
export function spawnDigestWorker(env: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  recipientDelayMs?: number;
}): DigestWorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', DIGEST_WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      TRESTA_REDIS_PREFIX: env.prefix,
      RECIPIENT_DELAY_MS: String(env.recipientDelayMs ?? 0),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const started = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('tresta workers started')) resolve();
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before starting: ${output.slice(-2_000)}`)));
  });
  return { child, started, exited };
}
