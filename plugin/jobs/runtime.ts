import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { OutboxRelay } from '../outbox/relay.js';
import type { DailyCounters } from '../metrics/daily-counters.js';
import type { Publisher } from '../realtime/messages.js';
import { isFinalFailure, recordDeadLetter } from './dead-letters.js';
import { createDeliveryLoader, deliverNotification } from './processors/deliver-notification.js';
import { backoffDelay, QUEUES, type JobPayloads } from './registry.js';

export interface WorkerRuntimeOptions {
  orm: MikroORM;
  databaseUrl: string;
  /** Workers block on Redis, so they get connections of their own (maxRetriesPerRequest: null). */
  redis: { url: string } | { connection: Redis };
  prefix: string;
  publisher: Publisher;
  counters: DailyCounters;
  log: FastifyBaseLogger;
  jobs: { concurrency: number; lockDurationMs: number; relayClaimSize: number };
}

export interface WorkerRuntime {
  relay: OutboxRelay;
  /** Stops claiming, lets active jobs finish, then closes queues and connections. */
  close: () => Promise<void>;
}

function blockingConnection(redis: WorkerRuntimeOptions['redis']): Redis {
  const connection =
    'url' in redis
      ? new Redis(redis.url, { maxRetriesPerRequest: null })
      : redis.connection.duplicate({ maxRetriesPerRequest: null });
  connection.on('error', () => {});
  return connection;
}

/** The outbox relay and the notification worker, as run by `workers: true` or a worker process. */
export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const connection = blockingConnection(options.redis);
  const queue = new Queue<JobPayloads['deliver-notification']>(QUEUES.notifications, { connection, prefix: options.prefix });
  queue.on('error', () => {});
  const deliverDeps = { loader: createDeliveryLoader(options.orm), publisher: options.publisher, counters: options.counters };
  const workerConnection = blockingConnection(options.redis);
  const worker = new Worker(QUEUES.notifications, (job) => deliverNotification(deliverDeps, job.data), {
    connection: workerConnection,
    prefix: options.prefix,
    concurrency: options.jobs.concurrency,
    // A killed worker's jobs come back after the lock lapses, found by a check run as often.
    lockDuration: options.jobs.lockDurationMs,
    stalledInterval: options.jobs.lockDurationMs,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade) },
  });
  worker.on('error', (error) => options.log.warn({ err: error }, 'notification worker: Redis error'));
  worker.on('failed', (job, error) => {
    const final = isFinalFailure(job, error);
    options.log[final ? 'error' : 'warn'](
      {
        jobId: job?.id,
        userId: (job?.data as { userId?: unknown } | undefined)?.userId,
        attemptsMade: job?.attemptsMade,
        err: error,
      },
      final ? 'notification job failed for good' : 'notification job failed; it will be retried',
    );
    if (!final) return;
    recordDeadLetter(options.orm, QUEUES.notifications, job, error).catch((deadLetterError: unknown) =>
      options.log.error({ err: deadLetterError, jobId: job?.id }, 'could not record a dead letter'),
    );
  });

  const relay = new OutboxRelay({
    orm: options.orm,
    databaseUrl: options.databaseUrl,
    queue,
    claimSize: options.jobs.relayClaimSize,
  });
  await relay.start();

  return {
    relay,
    close: async () => {
      await relay.stop();
      await worker.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    },
  };
}
