import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../../redis/connect.js';
import type { QuotaGuard } from '../../quota/quota-guard.js';
import { runDigest, type DigestDeps, type DigestOutcome } from '../scheduled/digest.js';
import { JobRunFence } from './fence.js';
import { runReconciliation, type ReconciliationOutcome } from '../scheduled/reconciliation.js';
import { runRedrive, type RedriveDeps, type RedriveOutcome } from '../scheduled/redrive.js';
import { runRetention, type RetentionOutcome, type RetentionSettings } from '../scheduled/retention.js';
import { RunLock } from './run-lock.js';
import type { UnreadCounts } from '../../services/unread-counts.js';
import type { Schedule, ScheduledJobName } from './schedules.js';

export interface ScheduledJobsDeps {
  orm: MikroORM;
  /** Plain commands (the run lock). */
  redis: RedisClient;
  prefix: string;
  schedules: Record<ScheduledJobName, Schedule>;
  quota: QuotaGuard;
  digest: DigestDeps;
  redrive: RedriveDeps;
  retention: RetentionSettings;
  /** Retention drops the cached unread counts of the users whose notifications it deletes. */
  unreadCounts: UnreadCounts;
}

export interface ScheduledJobOutcomes {
  digest: DigestOutcome;
  reconciliation: ReconciliationOutcome;
  redrive: RedriveOutcome;
  retention: RetentionOutcome;
}

export type JobRunResult<Name extends ScheduledJobName = ScheduledJobName> =
  /** Ran now (`completed`), or found its period's run finished before (`already-completed`: nothing done). */
  | { job: Name; period: string; status: 'completed' | 'already-completed'; outcome: ScheduledJobOutcomes[Name] }
  /** Another run of the job holds the lock right now. */
  | { job: Name; period: string; status: 'busy' };

export interface RunJobOptions {
  /** The tick the run stands for (tests run "tomorrow" and "Monday"); default: now. */
  now?: Date;
  /** Who runs (the BullMQ job id): a re-run of the same job takes its own lock back. */
  runId?: string;
}

export interface ScheduledJobRunner {
  runJob<Name extends ScheduledJobName>(name: Name, options?: RunJobOptions): Promise<JobRunResult<Name>>;
}

/**
 * The one way a scheduled job runs, whether a scheduler ticked, an admin asked or a test calls it:
 * the Redis run lock (no overlap), then the Postgres fence (one finished run per period), then the job.
 */
export function createScheduledJobRunner(deps: ScheduledJobsDeps): ScheduledJobRunner {
  const lock = new RunLock(deps.redis, deps.prefix);
  const fence = new JobRunFence(deps.orm);
  const jobs: { [Name in ScheduledJobName]: (now: Date) => Promise<ScheduledJobOutcomes[Name]> } = {
    digest: (now) => runDigest(deps.digest, now),
    reconciliation: (now) => runReconciliation(deps, now),
    redrive: (now) => runRedrive(deps.redrive, now),
    retention: (now) => runRetention(deps, now),
  };

  return {
    async runJob<Name extends ScheduledJobName>(name: Name, options: RunJobOptions = {}): Promise<JobRunResult<Name>> {
      const now = options.now ?? new Date();
      const runId = options.runId ?? `run-${randomUUID()}`;
      const schedule = deps.schedules[name];
      const period = schedule.periodOf(now);
      if (!(await lock.acquire(name, runId, schedule.lockSeconds))) return { job: name, period, status: 'busy' };
      try {
        const entry = await fence.begin(name, period);
        if (entry.finished) {
          return {
            job: name,
            period,
            status: 'already-completed',
            outcome: entry.outcome as unknown as ScheduledJobOutcomes[Name],
          };
        }
        const outcome = await jobs[name](now);
        await fence.finish(name, period, outcome);
        return { job: name, period, status: 'completed', outcome };
      } finally {
        await lock.release(name, runId).catch(() => undefined);
      }
    },
  };
}
