import type { JobRun } from '../db/entities/index.js';
import { affectedRows, type SqlExecutor } from './executor.js';

// A run of a period starts: a new row, or another attempt on a row whose run never finished.
// Nothing is returned when the period's run has finished: the caller stops there.
const BEGIN = `
  insert into tresta_job_runs (job, period_key) values (?, ?)
  on conflict (job, period_key) do update
    set attempts = tresta_job_runs.attempts + 1, started_at = now()
    where tresta_job_runs.status <> 'finished'
  returning attempts`;

/** The attempt this run of the period is, or null when the period's run has finished. */
export async function beginJobRun(db: SqlExecutor, job: string, periodKey: string): Promise<number | null> {
  const [started] = await db.execute<Array<{ attempts: number }>>(BEGIN, [job, periodKey]);
  return started?.attempts ?? null;
}

const FINISHED_OUTCOME = `select outcome from tresta_job_runs where job = ? and period_key = ? and status = 'finished'`;

/** What the period's finished run answered (null when it recorded nothing). */
export async function finishedJobRunOutcome(db: SqlExecutor, job: string, periodKey: string): Promise<JobRun['outcome']> {
  const [done] = await db.execute<Array<{ outcome: JobRun['outcome'] }>>(FINISHED_OUTCOME, [job, periodKey]);
  return done?.outcome ?? null;
}

const FINISH = `
  update tresta_job_runs set status = 'finished', outcome = ?::jsonb, finished_at = now()
  where job = ? and period_key = ?`;

export async function finishJobRun(db: SqlExecutor, job: string, periodKey: string, outcome: object): Promise<void> {
  await db.execute(FINISH, [JSON.stringify(outcome), job, periodKey], 'run');
}

// Finished runs only: the running row of this very run (or of one that died recently) stays.
const DELETE_FINISHED = `
    delete from tresta_job_runs where (job, period_key) in (
      select job, period_key from tresta_job_runs where status = 'finished' and finished_at < ?::timestamptz limit ?)`;

/** One batch of runs finished before the cutoff: how many were deleted. */
export async function deleteFinishedJobRuns(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_FINISHED, [cutoff, batchSize]);
}
