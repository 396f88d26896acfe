import { Queue, type Processor, type Worker } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Alerter } from '../alerts/alerter.js';
import type { QuotaGuard } from '../quota/quota-guard.js';
import { startDependencyMonitor } from '../alerts/dependency-monitor.js';
import { FailureRateWatch } from '../alerts/failure-rate.js';
import { createEmailChannel } from '../email/channel.js';
import type { UnsubscribeLinks } from '../email/unsubscribe.js';
import type { DailyCounters } from '../metrics/daily-counters.js';
import type { DeliveryLatency } from '../metrics/instance-metrics.js';
import { OutboxRelay } from './outbox-relay.js';
import type { Publisher } from '../realtime/messages.js';
import type { DirectConnection } from '../db/direct-connection.js';
import type { RedisClient, RedisRole } from '../redis/connect.js';
import { RedisKeys } from '../redis/keys.js';
import { answersWithin } from '../time/within-deadline.js';
import { isFinalFailure, recordDeadLetter } from './dead-letters.js';
import { createDeliveryLoader, createJobDoneMarker, deliverNotification } from './processors/deliver-notification.js';
import { sendEmail } from './processors/send-email.js';
import { sendPush } from './processors/send-push.js';
import { PushClaims } from '../push/push-claims.js';
import { pushSubscriptions } from '../data/push-subscriptions.js';
import { QUEUES, retryDelay } from './registry.js';
import { PatientWorker } from './patient-worker.js';
import type { ScheduledJobRunner } from './scheduling/run-job.js';
import { startScheduledJobs } from './scheduling/start.js';
import type { WorkerRuntimeSettings } from './settings.js';
import type { UnreadCounts } from '../services/unread-counts.js';

/** Times a job may lose its worker (killed, frozen past its lock) and be taken over before it fails for good. */
const MAX_STALLS = 3;

/** What the API process and a worker process both have when they start workers. */
export interface WorkerRuntimeOptions {
  options: WorkerRuntimeSettings;
  orm: MikroORM;
  /** The session connection the relay LISTENs on. */
  direct: DirectConnection;
  /** The process's connection for plain commands; workers block, so they open their own. */
  redis: RedisClient;
  /** Opens another connection to the same Redis (connectRedis's `open`). */
  openRedis: (role: RedisRole) => RedisClient;
  /** The new notifications' real-time transports: the WebSocket's Redis fan-out, and Ably when it publishes. */
  realtime: { fanout: Publisher; ably: Publisher | null };
  counters: DailyCounters;
  /** Where this process's relay times its publishes for Prometheus; null where nothing serves them (a worker process). */
  deliveryLatency: DeliveryLatency | null;
  /** Made once per process: the API's unsubscribe route verifies what this process's emails carry. */
  unsubscribe: UnsubscribeLinks;
  /** Slack alerts, deduplicated across processes. */
  alerter: Alerter;
  /** The process's one email quota guard. */
  quota: QuotaGuard;
  /** The process's cached unread counts. */
  unreadCounts: UnreadCounts;
  log: FastifyBaseLogger;
}

export interface WorkerRuntime {
  relay: OutboxRelay;
  /** Runs a scheduled job now (digest, reconciliation, redrive, retention), fenced like its scheduled run. */
  scheduled: ScheduledJobRunner;
  /**
   * Stops claiming, lets active jobs finish until `shutdownTimeoutMs`, then closes queues and
   * connections anyway (another worker takes over what was unfinished once its lock lapses).
   */
  close: () => Promise<void>;
}

/** What BullMQ's workers need: commands wait out a reconnect instead of failing. */
const WORKER_ROLE: RedisRole = { enableOfflineQueue: true, maxRetriesPerRequest: null };

/** The outbox relay and the workers (notifications, emails), as run by `workers: true` or a worker process. */
export async function startWorkerRuntime(runtime: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { options, log, orm } = runtime;
  const prefix = options.redis.prefix;
  const keys = new RedisKeys(prefix, runtime.redis);
  const { alerter } = runtime;
  // One connection carries the commands of every queue and worker here; each worker adds the one
  // connection it blocks on (BullMQ opens it), which can serve nothing else.
  const shared = runtime.openRedis(WORKER_ROLE);
  const queueFor = (name: string) => {
    const queue = new Queue(name, { connection: shared, prefix: keys.queuePrefix(name) });
    queue.on('error', () => {});
    return queue;
  };

  /** A worker with the house rules: capped exponential backoff, failures logged, counted and dead-lettered. */
  const startWorker = (name: string, processor: Processor, concurrency: number, limiter?: { max: number; duration: number }) => {
    const worker = new PatientWorker(name, processor, {
      connection: shared,
      prefix: keys.queuePrefix(name),
      concurrency,
      limiter,
      // Idle, each worker asks Redis once per drainDelay (a new job wakes it at once): see docs/free-tier.md.
      drainDelay: options.jobs.drainDelaySeconds,
      // A killed worker's jobs come back after the lock lapses, found by the next stalled check.
      lockDuration: options.jobs.lockDurationMs,
      stalledInterval: options.jobs.stalledCheckIntervalMs,
      // BullMQ's default (1) fails a job the second time its worker dies under it: a process killed
      // twice in a row (a crash loop, a redeploy) would dead-letter every job it held in both runs,
      // deliveries and sent-but-unacknowledged emails included (found by test/faults/process-kills).
      // The processors are idempotent, so a stalled job is safe to run again; one that takes
      // MAX_STALLS workers down with it is still failed and dead-lettered.
      maxStalledCount: MAX_STALLS,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => retryDelay(attemptsMade, error) },
    });
    const failureRate = new FailureRateWatch(alerter, name);
    worker.on('error', (error) => log.warn({ err: error, queue: name }, 'worker: Redis error'));
    worker.on('completed', () => failureRate.completed());
    worker.on('failed', (job, error) => {
      failureRate.failed();
      const final = isFinalFailure(job, error);
      const userId = (job?.data as { userId?: unknown } | undefined)?.userId;
      log[final ? 'error' : 'warn'](
        { queue: name, jobId: job?.id, userId, attemptsMade: job?.attemptsMade, err: error },
        final ? `${name} job failed for good` : `${name} job failed; it will be retried`,
      );
      if (!final) return;
      recordDeadLetter(orm, name, job, error).catch((deadLetterError: unknown) =>
        log.error({ err: deadLetterError, jobId: job?.id }, 'could not record a dead letter'),
      );
    });
    return worker;
  };

  // The email channel runs when the host tells us where a user's email goes.
  const emailChannel = createEmailChannel({ options, orm, quota: runtime.quota, alerter, unsubscribe: runtime.unsubscribe });
  const emailQueue = emailChannel ? queueFor(QUEUES.emails) : null;
  const notificationsQueue = queueFor(QUEUES.notifications);
  const workers: Worker[] = [];

  // Web push runs when the host gives VAPID keys.
  const subscriptions = pushSubscriptions(orm);
  const pushQueue = options.webPush ? queueFor(QUEUES.pushes) : null;
  if (options.webPush) {
    const deps = {
      orm,
      webPush: options.webPush,
      subscriptions,
      claims: new PushClaims(runtime.redis, prefix, options.webPush.perUserHourlyLimit),
      counters: runtime.counters,
    };
    workers.push(startWorker(QUEUES.pushes, (job) => sendPush(deps, job.data), options.jobs.concurrency));
  }

  const loader = createDeliveryLoader(orm);
  const markDone = createJobDoneMarker(orm);
  workers.push(
    startWorker(
      QUEUES.notifications,
      (job) =>
        deliverNotification(
          {
            loader,
            markDone,
            ably: runtime.realtime.ably,
            types: options.types,
            emailQueue,
            push: pushQueue ? { queue: pushQueue, subscriptionIds: subscriptions.idsOfUser } : null,
          },
          job.data,
        ),
      options.jobs.concurrency,
    ),
  );

  if (emailChannel) {
    const emailWorker: Worker = startWorker(
      QUEUES.emails,
      (job, token) =>
        sendEmail(
          {
            orm,
            channel: emailChannel,
            types: options.types,
            counters: runtime.counters,
            rateLimit: (ms) => emailWorker.rateLimit(ms),
          },
          job,
          token,
        ),
      options.email.concurrency,
      // The provider's own rate limit (Resend: 10 requests/s per team), shared by this worker's jobs.
      { max: options.email.requestsPerSecond, duration: 1_000 },
    );
    workers.push(emailWorker);
  }

  // Cron as data, the digest sender, and "run now": see jobs/scheduling/.
  const scheduled = await startScheduledJobs({
    options,
    orm,
    redis: runtime.redis,
    counters: runtime.counters,
    quota: runtime.quota,
    unreadCounts: runtime.unreadCounts,
    emailChannel,
    notificationsQueue,
    emailQueue,
    queueFor,
    startWorker,
    log,
  });
  workers.push(...scheduled.workers);

  const relay = new OutboxRelay({
    orm,
    direct: runtime.direct,
    queue: notificationsQueue,
    fanout: runtime.realtime.fanout,
    ably: runtime.realtime.ably,
    types: options.types,
    channels: { email: emailQueue !== null, push: pushQueue !== null },
    counters: runtime.counters,
    deliveryLatency: runtime.deliveryLatency,
    claimSize: options.jobs.relayClaimSize,
    idlePollMs: options.jobs.relayIdlePollMs,
    log,
  });
  await relay.start();
  const stopMonitor = startDependencyMonitor({ orm, redis: runtime.redis, alerter, intervalMs: options.alerts.checkIntervalMs });

  return {
    relay,
    scheduled: scheduled.runner,
    close: async () => {
      stopMonitor();
      // Closing stops claiming and waits for the active jobs; past the deadline the workers'
      // connections are cut without them. Their locks then lapse and another worker runs them
      // again (the processors are idempotent; an email keeps its provider idempotency key, so it
      // is still sent once).
      const drained = await answersWithin(async () => {
        await relay.stop();
        await Promise.all(workers.map((worker) => worker.close()));
      }, options.shutdownTimeoutMs);
      if (!drained) {
        log.warn(
          { shutdownTimeoutMs: options.shutdownTimeoutMs },
          'shutdown: jobs still running at the deadline; closing anyway',
        );
        await Promise.all(workers.map((worker) => worker.disconnect().catch(() => undefined)));
      }
      await notificationsQueue.close();
      await emailQueue?.close();
      await pushQueue?.close();
      await scheduled.close();
      shared.disconnect();
    },
  };
}
