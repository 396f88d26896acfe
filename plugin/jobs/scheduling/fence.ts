import type { MikroORM } from '@mikro-orm/postgresql';
import { beginJobRun, finishedJobRunOutcome, finishJobRun } from '../../data/job-runs.js';

export type FenceEntry = { finished: false; attempt: number } | { finished: true; outcome: Record<string, unknown> };

/**
 * One finished run per job and period, in Postgres (a job-run row, data/job-runs.ts), whatever
 * Redis and its schedulers do (duplicate ticks, a lost lock). A run that died leaves its row "running": the next
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
    const attempt = await beginJobRun(connection, job, periodKey);
    if (attempt !== null) return { finished: false, attempt };
    return { finished: true, outcome: (await finishedJobRunOutcome(connection, job, periodKey)) ?? {} };
  }

  async finish(job: string, periodKey: string, outcome: object): Promise<void> {
    await finishJobRun(this.#orm.em.getConnection(), job, periodKey, outcome);
  }
}
