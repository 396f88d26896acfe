import { pino, type Logger } from 'pino';
import { resolveWorkerOptions, type WorkerProcessOptions } from '../startup/options.js';
import { startProcessServices } from '../startup/start.js';

export interface WorkerProcess {
  /** Stops claiming, drains active jobs (until `shutdownTimeoutMs`), then closes the relay, queues and connections. */
  close: () => Promise<void>;
  readonly shutdownTimeoutMs: number;
}

/**
 * The relay and the workers without HTTP: for a process of their own beside API-only replicas
 * (`workers: false`). Real-time messages reach the API instances' sockets through Redis.
 */
export async function startWorkers(rawOptions: WorkerProcessOptions, log: Logger = pino()): Promise<WorkerProcess> {
  const options = resolveWorkerOptions(rawOptions);
  // No HTTP here to scrape: the per-instance latency is measured where the API runs workers.
  const services = await startProcessServices(options, log, { deliveryLatency: null });
  log.info('tresta workers started');
  return {
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    close: async () => {
      await services.close();
      log.info('tresta workers stopped');
    },
  };
}
