import type { Logger } from 'pino';
import type { WorkerProcess } from './worker-process.js';

/**
 * The worker process's life after start-up: SIGTERM or SIGINT drains (active jobs finish, nothing
 * new is claimed) and exits 0; a second signal exits at once.
 */
export function drainOnSignals(workers: WorkerProcess, log: Logger): void {
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
}
