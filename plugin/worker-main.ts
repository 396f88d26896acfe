// `npm run start:workers`: the worker process, configured from the environment (see the README).
// SIGTERM or SIGINT drains and exits; a second signal exits at once.
import { pino } from 'pino';
import { optionsFromEnv } from './env.js';
import { startWorkers } from './worker-process.js';

const log = pino();
const options = optionsFromEnv(process.env);
const prefix = process.env.TRESTA_REDIS_PREFIX;
const lockDurationMs = process.env.TRESTA_JOB_LOCK_MS ? Number(process.env.TRESTA_JOB_LOCK_MS) : undefined;

try {
  const workers = await startWorkers(
    { ...options, redis: { ...options.redis, ...(prefix ? { prefix } : {}) }, jobs: { lockDurationMs } },
    log,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'draining');
    workers.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  log.error({ err: error }, 'tresta workers could not start');
  process.exit(1);
}
