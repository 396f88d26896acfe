import { EntitySchema } from '@mikro-orm/core';

export type JobRunStatus = 'running' | 'finished';

/**
 * The fence of the scheduled jobs: one row per job and period (a UTC date, or a 5-minute slot
 * for the re-drive sweeper). A finished row makes every later run of that period a no-op,
 * whatever Redis and its schedulers do; a running row (its run died) lets the next run resume.
 */
export interface JobRun {
  job: string;
  periodKey: string;
  status: JobRunStatus;
  /** Runs that started for this period: more than one means a crash, a retry or a duplicate tick. */
  attempts: number;
  outcome: Record<string, unknown> | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export const JobRunSchema = new EntitySchema<JobRun>({
  name: 'TrestaJobRun',
  tableName: 'tresta_job_runs',
  properties: {
    job: { type: 'text', primary: true },
    periodKey: { type: 'text', primary: true },
    status: { type: 'text', default: 'running' },
    attempts: { type: 'integer', default: 1 },
    outcome: { type: 'jsonb', nullable: true },
    startedAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    finishedAt: { type: 'datetime', length: 3, nullable: true },
  },
  indexes: [{ name: 'tresta_job_runs_started_at_idx', properties: ['startedAt'] }],
});
