import type { Logger } from 'pino';
import type { WorkerProcess } from './process.js';

/** What closing may take beyond `shutdownTimeoutMs`: queues and connections after the workers. */
const CLOSE_MARGIN_MS = 3_000;

/**
 * The worker process's life after start-up: SIGTERM or SIGINT drains (active jobs finish, nothing
 * new is claimed, for at most `shutdownTimeoutMs`) and exits 0; a second signal exits at once, and
 * so does a close that overruns its deadline (a platform's grace period ends with SIGKILL anyway).
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
    setTimeout(() => {
      log.error({ shutdownTimeoutMs: workers.shutdownTimeoutMs }, 'shutdown overran its deadline: exiting now');
      process.exit(1);
    }, workers.shutdownTimeoutMs + CLOSE_MARGIN_MS).unref();
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
