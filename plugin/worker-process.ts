import { pino, type Logger } from 'pino';
import { connectDatabase } from './db/connect.js';
import { createUnsubscribeLinks } from './email/unsubscribe.js';
import { startWorkerRuntime } from './jobs/runtime.js';
import { resolveWorkerOptions, type WorkerProcessOptions } from './options.js';
import { createRealtimeTransports } from './realtime/transports.js';
import { DailyCounters } from './metrics/daily-counters.js';
import { connectRedis } from './redis.js';

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
  const database = await connectDatabase(options);
  const { redis, open: openRedis, close: closeRedis } = await connectRedis(options.redis);
  const counters = new DailyCounters(redis, options.redis.prefix);
  const runtime = await startWorkerRuntime({
    options,
    orm: database.orm,
    direct: database.direct,
    redis,
    openRedis,
    publisher: createRealtimeTransports(redis, options.redis.prefix, options.realtime).publisher,
    counters,
    // No HTTP here to scrape: the per-instance latency is measured where the API runs workers.
    deliveryLatency: null,
    unsubscribe: createUnsubscribeLinks(options.email, log),
    log,
  });
  log.info('tresta workers started');
  return {
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    close: async () => {
      await runtime.close();
      await counters.flush().catch(() => undefined);
      await closeRedis();
      await database.close();
      log.info('tresta workers stopped');
    },
  };
}
