// tresta_outbox: statements of the digest, email and maintenance jobs
import { affectedRows, type SqlExecutor } from './executor.js';

const DELETE_PUBLISHED = `
    delete from tresta_outbox where id in (
      select id from tresta_outbox where status = 'published' and published_at < ?::timestamptz limit ?)`;

/** One batch of rows published before the cutoff: how many were deleted. */
export async function deletePublishedOutbox(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_PUBLISHED, [cutoff, batchSize]);
}

/** What is stuck, for the metrics: the outbox's backlog and its oldest row's age, and the dead letters. */
export interface Backlog {
  dead_letters: number;
  backlog: number;
  oldest_age: number | null;
}

// One round trip for the three figures.
const BACKLOG = `select (select count(*)::int from tresta_dead_letters) as dead_letters,
              (select count(*)::int from tresta_outbox where status = 'pending') as backlog,
              (select extract(epoch from now() - min(created_at))::float from tresta_outbox where status = 'pending') as oldest_age`;

export async function backlogAndDeadLetters(db: SqlExecutor): Promise<Backlog | undefined> {
  const [row] = await db.execute<Backlog[]>(BACKLOG);
  return row;
}
