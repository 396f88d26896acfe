import type { ErrorType, RetryAttempt } from '../db/entities/index.js';
import { affectedRows, type SqlExecutor } from './executor.js';
import { isoColumn } from './iso-column.js';
import { keysetBindings, type ListPosition } from './keyset.js';

/** What a provider answered, carried by the error a processor throws, for the dead letter. */
export interface ProviderDetails {
  httpStatus: number | null;
  providerResponse: unknown;
}

/** A job that failed for good, as it is recorded. */
export interface NewDeadLetter extends ProviderDetails {
  id: string;
  queue: string;
  jobId: string;
  jobName: string;
  payload: unknown;
  errorType: ErrorType;
  errorMessage: string;
  attempts: number;
  retryHistory: RetryAttempt[];
}

const INSERT = `
  insert into tresta_dead_letters (id, queue, job_id, job_name, payload, error_type, error_message, http_status,
                                   provider_response, attempts, retry_history)
  values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, ?::jsonb)`;

export async function insertDeadLetter(db: SqlExecutor, letter: NewDeadLetter): Promise<void> {
  await db.execute(INSERT, [
    letter.id,
    letter.queue,
    letter.jobId,
    letter.jobName,
    JSON.stringify(letter.payload),
    letter.errorType,
    letter.errorMessage,
    letter.httpStatus,
    JSON.stringify(letter.providerResponse),
    letter.attempts,
    JSON.stringify(letter.retryHistory),
  ]);
}

/** A dead letter as it is read back, its times already in the API's ISO form. */
export interface DeadLetterRow {
  id: string;
  queue: string;
  job_id: string;
  job_name: string;
  payload: Record<string, unknown>;
  error_type: ErrorType;
  error_message: string;
  http_status: number | null;
  provider_response: unknown;
  attempts: number;
  retry_history: unknown[];
  created_at: string;
  requeued_at: string | null;
  requeue_job_id: string | null;
}

const COLUMNS = `id, queue, job_id, job_name, payload, error_type, error_message, http_status, provider_response, attempts,
  retry_history, ${isoColumn('created_at')} as created_at, ${isoColumn('requeued_at')} as requeued_at, requeue_job_id`;

export interface DeadLetterQuery {
  queue?: string;
  errorType?: string;
  /** The last row of the page before, or null for the first page. */
  after: ListPosition | null;
  limit: number;
}

const PAGE = `select ${COLUMNS} from tresta_dead_letters
     where (?::text is null or queue = ?) and (?::text is null or error_type = ?)
       and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid))
     order by created_at desc, id desc
     limit ?`;

/** Newest first, keyset-paginated over (created_at, id). */
export async function deadLettersPage(db: SqlExecutor, query: DeadLetterQuery): Promise<DeadLetterRow[]> {
  return db.execute<DeadLetterRow[]>(PAGE, [
    query.queue ?? null,
    query.queue ?? null,
    query.errorType ?? null,
    query.errorType ?? null,
    ...keysetBindings(query.after),
    query.limit,
  ]);
}

/** How many dead letters there are of each value of a dimension (errorType, queue, httpStatus). */
export interface DeadLetterCount {
  dimension: 'errorType' | 'queue' | 'httpStatus';
  value: string | null;
  count: number;
}

const COUNTS = `select 'errorType' as dimension, error_type as value, count(*)::int as count from tresta_dead_letters group by error_type
     union all
     select 'queue', queue, count(*)::int from tresta_dead_letters group by queue
     union all
     select 'httpStatus', coalesce(http_status::text, 'none'), count(*)::int from tresta_dead_letters group by http_status`;

export async function deadLetterCounts(db: SqlExecutor): Promise<DeadLetterCount[]> {
  return db.execute<DeadLetterCount[]>(COUNTS);
}

export async function findDeadLetter(db: SqlExecutor, id: string): Promise<DeadLetterRow | undefined> {
  const [row] = await db.execute<DeadLetterRow[]>(`select ${COLUMNS} from tresta_dead_letters where id = ?`, [id]);
  return row;
}

/** Records the job a dead letter was sent around again as; false when it was requeued before. */
export async function markDeadLetterRequeued(db: SqlExecutor, id: string, requeueJobId: string): Promise<boolean> {
  const updated = await affectedRows(
    db,
    'update tresta_dead_letters set requeued_at = now(), requeue_job_id = ? where id = ? and requeued_at is null',
    [requeueJobId, id],
  );
  return updated > 0;
}
