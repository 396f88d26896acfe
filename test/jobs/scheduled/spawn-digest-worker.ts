import { fileURLToPath } from 'node:url';
import { spawnWorkerProcess, type WorkerChild } from '../../helpers/worker-child.js';

const DIGEST_WORKER = fileURLToPath(new URL('./fixtures/digest-worker.ts', import.meta.url));

/** A real worker process with the email channel on (see digest-worker.ts), so SIGKILL is real. */
export function spawnDigestWorker(env: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  recipientDelayMs?: number;
}): WorkerChild {
  return spawnWorkerProcess(DIGEST_WORKER, {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    TRESTA_REDIS_PREFIX: env.prefix,
    RECIPIENT_DELAY_MS: String(env.recipientDelayMs ?? 0),
  });
}
