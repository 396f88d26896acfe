import { UnrecoverableError, type Job, type Processor, type Queue, type Worker } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../../redis/connect.js';
import type { FastifyBaseLogger } from 'fastify';
import type { EmailChannel } from '../../email/channel.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import type { WorkerRuntimeSettings } from '../settings.js';
import type { QuotaGuard } from '../../quota/quota-guard.js';
import { JOB_OPTIONS, QUEUES } from '../registry.js';
import type { DigestComposer } from '../../email/digest/compose.js';
import { createScheduledJobRunner, type ScheduledJobRunner } from './run-job.js';
import { isScheduledJobName, SCHEDULED_JOBS, schedulesWith } from './schedules.js';
import { sendDigest } from '../processors/send-digest.js';
import type { UnreadCounts } from '../../services/unread-counts.js';

export interface ScheduledJobsStartOptions {
  options: Pick<WorkerRuntimeSettings, 'redis' | 'email' | 'types' | 'retention' | 'schedules'>;
  orm: MikroORM;
  redis: RedisClient;
  counters: DailyCounters;
  /** The process's one email quota guard: reconciliation reads its usage. */
  quota: QuotaGuard;
  /** The process's cached unread counts: retention drops those of the users it deletes from. */
  unreadCounts: UnreadCounts;
  emailChannel: EmailChannel | null;
  notificationsQueue: Queue;
  emailQueue: Queue | null;
  queueFor: (name: string) => Queue;
  /** The runtime's worker factory: capped exponential backoff, failures logged, counted and dead-lettered. */
  startWorker: (name: string, processor: Processor, concurrency: number, limiter?: { max: number; duration: number }) => Worker;
  log: FastifyBaseLogger;
}

export interface ScheduledJobs {
  runner: ScheduledJobRunner;
  /** Closed with the runtime's other workers. */
  workers: Worker[];
  /** Stops upserting the schedulers and closes the queues opened here (after the workers). */
  close: () => Promise<void>;
}

/** Scheduled jobs running at once in one process: a long digest must not hold up the sweeper. */
const SCHEDULED_CONCURRENCY = 4;
/**
 * Redis without persistence forgets the schedulers with everything else: each worker process
 * counts them this often (one command) and upserts them again when some are missing.
 */
const CHECK_SCHEDULERS_MS = 5 * 60_000;

/** The instant a job stands for: its scheduler's tick, or when it was added ("run now"). */
const tickOf = (job: Job) => new Date(job.opts.prevMillis ?? job.timestamp);

/**
 * Upserts the schedulers (every worker process does, at start-up and again whenever Redis lost
 * them, with the same ids: BullMQ keeps one each), and starts the `scheduled` worker (each tick goes through the runner: lock, fence, job) and the
 * `digests` sender when the email channel is on.
 */
export async function startScheduledJobs(start: ScheduledJobsStartOptions): Promise<ScheduledJobs> {
  const { options, orm, emailChannel } = start;
  const prefix = options.redis.prefix;
  const schedules = schedulesWith(options.schedules);
  const scheduledQueue = start.queueFor(QUEUES.scheduled);
  const digestsQueue = emailChannel ? start.queueFor(QUEUES.digests) : null;
  const composer: DigestComposer | null = emailChannel
    ? {
        orm,
        channel: emailChannel,
        digestTypes: Object.entries(options.types).flatMap(([type, config]) => (config.email === 'digest' ? [type] : [])),
      }
    : null;
  const runner = createScheduledJobRunner({
    orm,
    redis: start.redis,
    prefix,
    schedules,
    quota: start.quota,
    digest: { composer, queue: digestsQueue },
    redrive: {
      orm,
      queues: { notifications: start.notificationsQueue, emails: start.emailQueue, digests: digestsQueue },
      types: options.types,
    },
    retention: options.retention,
    unreadCounts: start.unreadCounts,
  });

  const upsertSchedulers = async () => {
    for (const name of SCHEDULED_JOBS) {
      await scheduledQueue.upsertJobScheduler(
        name,
        { pattern: schedules[name].pattern, tz: 'UTC' },
        { name, data: {}, opts: JOB_OPTIONS[name] },
      );
    }
  };
  await upsertSchedulers();
  const restoreSchedulers = async () => {
    if ((await scheduledQueue.getJobSchedulersCount()) < SCHEDULED_JOBS.length) await upsertSchedulers();
  };
  const upsertTimer = setInterval(() => void restoreSchedulers().catch(() => undefined), CHECK_SCHEDULERS_MS).unref();

  const workers = [
    start.startWorker(
      QUEUES.scheduled,
      async (job) => {
        if (!isScheduledJobName(job.name)) throw new UnrecoverableError(`scheduled: unknown job "${job.name}"`);
        const result = await runner.runJob(job.name, { now: tickOf(job), runId: job.id });
        start.log.info(
          { jobId: job.id, job: result.job, period: result.period, status: result.status },
          `scheduled ${job.name}: ${result.status}`,
        );
        return result;
      },
      SCHEDULED_CONCURRENCY,
    ),
  ];
  if (emailChannel && digestsQueue) {
    const digestWorker: Worker = start.startWorker(
      QUEUES.digests,
      (job) =>
        sendDigest({ orm, channel: emailChannel, counters: start.counters, rateLimit: (ms) => digestWorker.rateLimit(ms) }, job),
      options.email.concurrency,
      // Resend's rate limit is per team: digests take it in turn with the emails queue, and a 429
      // pauses this worker for Retry-After without spending an attempt.
      { max: options.email.requestsPerSecond, duration: 1_000 },
    );
    workers.push(digestWorker);
  }
  return {
    runner,
    workers,
    close: async () => {
      clearInterval(upsertTimer);
      await scheduledQueue.close();
      await digestsQueue?.close();
    },
  };
}
