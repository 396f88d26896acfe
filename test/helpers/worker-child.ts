import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('../../plugin/worker/main.ts', import.meta.url));

export interface WorkerChild {
  child: ChildProcess;
  /** Resolves when the process has logged that its workers started. */
  started: Promise<void>;
  exited: Promise<number | null>;
}

/** A worker entry point as a real child process (SIGKILL and SIGTERM are real), started once it logs so. */
export function spawnWorkerProcess(entry: string, env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
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

/** `npm run dev:workers` as a real child process. */
export function spawnWorker(
  env: { databaseUrl: string; redisUrl: string; prefix: string },
  /** More of the worker's environment (email settings, say). */
  extraEnv: Record<string, string> = {},
): WorkerChild {
  return spawnWorkerProcess(WORKER_MAIN, {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    TRESTA_REDIS_PREFIX: env.prefix,
    // A killed worker's jobs are taken over after 5 s instead of the default 30 s.
    TRESTA_JOB_LOCK_MS: '5000',
    ...extraEnv,
  });
}
