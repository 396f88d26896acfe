import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { OutboxRelay } from '../outbox/relay.js';
import { Alerter } from '../alerts/alerter.js';
import { createSlackSender } from '../alerts/slack.js';
import type { ResolvedWorkerOptions } from '../options.js';
import { startDependencyMonitor } from '../alerts/dependency-monitor.js';
import { FailureRateWatch } from '../alerts/failure-rate.js';
import type { DailyCounters } from '../metrics/daily-counters.js';
import type { Publisher } from '../realtime/messages.js';
import { isFinalFailure, recordDeadLetter } from './dead-letters.js';
import { createDeliveryLoader, deliverNotification } from './processors/deliver-notification.js';
import { backoffDelay, QUEUES, type JobPayloads } from './registry.js';

/** What the API process and a worker process both have when they start workers. */
export interface WorkerRuntimeOptions {
  options: Pick<ResolvedWorkerOptions, 'redis' | 'jobs' | 'alerts'>;
  orm: MikroORM;
  databaseUrl: string;
  /** The process's connection for plain commands; workers block, so they open their own. */
  redis: Redis;
  publisher: Publisher;
  counters: DailyCounters;
  log: FastifyBaseLogger;
}

export interface WorkerRuntime {
  relay: OutboxRelay;
  /** Stops claiming, lets active jobs finish, then closes queues and connections. */
  close: () => Promise<void>;
}

function blockingConnection(redis: ResolvedWorkerOptions['redis']): Redis {
  const connection =
    redis.kind === 'url'
      ? new Redis(redis.url, { maxRetriesPerRequest: null })
      : redis.connection.duplicate({ maxRetriesPerRequest: null });
  connection.on('error', () => {});
  return connection;
}

/** The outbox relay and the notification worker, as run by `workers: true` or a worker process. */
export async function startWorkerRuntime(runtime: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { options, log } = runtime;
  const prefix = options.redis.prefix;
  const slack = options.alerts.slackWebhookUrl ? createSlackSender(options.alerts.slackWebhookUrl, log) : null;
  const alerter = new Alerter(runtime.redis, prefix, slack);
  const connection = blockingConnection(options.redis);
  const queue = new Queue<JobPayloads['deliver-notification']>(QUEUES.notifications, { connection, prefix });
  queue.on('error', () => {});
  const deliverDeps = { loader: createDeliveryLoader(runtime.orm), publisher: runtime.publisher, counters: runtime.counters };
  const workerConnection = blockingConnection(options.redis);
  const worker = new Worker(QUEUES.notifications, (job) => deliverNotification(deliverDeps, job.data), {
    connection: workerConnection,
    prefix,
    concurrency: options.jobs.concurrency,
    // A killed worker's jobs come back after the lock lapses, found by a check run as often.
    lockDuration: options.jobs.lockDurationMs,
    stalledInterval: options.jobs.lockDurationMs,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade) },
  });
  worker.on('error', (error) => log.warn({ err: error }, 'notification worker: Redis error'));
  const failureRate = new FailureRateWatch(alerter, QUEUES.notifications);
  worker.on('completed', () => failureRate.completed());
  worker.on('failed', (job, error) => {
    failureRate.failed();
    const final = isFinalFailure(job, error);
    log[final ? 'error' : 'warn'](
      {
        jobId: job?.id,
        userId: (job?.data as { userId?: unknown } | undefined)?.userId,
        attemptsMade: job?.attemptsMade,
        err: error,
      },
      final ? 'notification job failed for good' : 'notification job failed; it will be retried',
    );
    if (!final) return;
    recordDeadLetter(runtime.orm, QUEUES.notifications, job, error).catch((deadLetterError: unknown) =>
      log.error({ err: deadLetterError, jobId: job?.id }, 'could not record a dead letter'),
    );
  });

  const relay = new OutboxRelay({
    orm: runtime.orm,
    databaseUrl: runtime.databaseUrl,
    queue,
    claimSize: options.jobs.relayClaimSize,
  });
  await relay.start();
  const stopMonitor = startDependencyMonitor({
    orm: runtime.orm,
    redis: runtime.redis,
    alerter,
    intervalMs: options.alerts.checkIntervalMs,
  });

  return {
    relay,
    close: async () => {
      stopMonitor();
      await relay.stop();
      await worker.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    },
  };
}
