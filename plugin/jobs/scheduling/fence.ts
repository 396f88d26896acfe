import type { MikroORM } from '@mikro-orm/postgresql';

// A run of a period starts: a new row, or another attempt on a row whose run never finished.
// Nothing is returned when the period's run has finished: the caller stops there.
const BEGIN = `
  insert into tresta_job_runs (job, period_key) values (?, ?)
  on conflict (job, period_key) do update
    set attempts = tresta_job_runs.attempts + 1, started_at = now()
    where tresta_job_runs.status <> 'finished'
  returning attempts`;

const FINISHED_OUTCOME = `select outcome from tresta_job_runs where job = ? and period_key = ? and status = 'finished'`;

const FINISH = `
  update tresta_job_runs set status = 'finished', outcome = ?::jsonb, finished_at = now()
  where job = ? and period_key = ?`;

export type FenceEntry = { finished: false; attempt: number } | { finished: true; outcome: Record<string, unknown> };

/**
 * One finished run per job and period, in Postgres (`tresta_job_runs`), whatever Redis and its
 * schedulers do (duplicate ticks, a lost lock). A run that died leaves its row "running": the next
 * run of the period goes ahead and finishes the work (each job's own unique rows keep that from
 * doing anything twice).
 */
export class JobRunFence {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async begin(job: string, periodKey: string): Promise<FenceEntry> {
    const connection = this.#orm.em.getConnection();
    const [started] = await connection.execute<Array<{ attempts: number }>>(BEGIN, [job, periodKey]);
    if (started) return { finished: false, attempt: started.attempts };
    const [done] = await connection.execute<Array<{ outcome: Record<string, unknown> | null }>>(FINISHED_OUTCOME, [
      job,
      periodKey,
    ]);
    return { finished: true, outcome: done?.outcome ?? {} };
  }

  async finish(job: string, periodKey: string, outcome: object): Promise<void> {
    await this.#orm.em.getConnection().execute(FINISH, [JSON.stringify(outcome), job, periodKey], 'run');
  }
}
