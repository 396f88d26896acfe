import type { EntityManager } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import { isJobName, JOB_OPTIONS } from '../jobs/registry.js';
import { afterBindings, toPage } from './cursor.js';
import { isoColumn } from '../data/iso-column.js';

export interface DeadLetterView {
  id: string;
  queue: string;
  jobId: string;
  jobName: string;
  payload: Record<string, unknown>;
  errorType: 'transient' | 'permanent';
  errorMessage: string;
  httpStatus: number | null;
  providerResponse: unknown;
  attempts: number;
  retryHistory: unknown[];
  createdAt: string;
  requeuedAt: string | null;
  requeueJobId: string | null;
}

interface DeadLetterRow {
  id: string;
  queue: string;
  job_id: string;
  job_name: string;
  payload: Record<string, unknown>;
  error_type: 'transient' | 'permanent';
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

function toView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    queue: row.queue,
    jobId: row.job_id,
    jobName: row.job_name,
    payload: row.payload,
    errorType: row.error_type,
    errorMessage: row.error_message,
    httpStatus: row.http_status,
    providerResponse: row.provider_response,
    attempts: row.attempts,
    retryHistory: row.retry_history,
    createdAt: row.created_at,
    requeuedAt: row.requeued_at,
    requeueJobId: row.requeue_job_id,
  };
}

/** Newest first, keyset-paginated over (created_at, id) like the notification list. */
export async function listDeadLetters(
  em: EntityManager,
  query: { limit: number; cursor?: string; queue?: string; errorType?: string },
): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
  const rows = await em.getConnection().execute<DeadLetterRow[]>(
    `select ${COLUMNS} from tresta_dead_letters
     where (?::text is null or queue = ?) and (?::text is null or error_type = ?)
       and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid))
     order by created_at desc, id desc
     limit ?`,
    [
      query.queue ?? null,
      query.queue ?? null,
      query.errorType ?? null,
      query.errorType ?? null,
      ...afterBindings(query.cursor),
      query.limit + 1,
    ],
  );
  return toPage(rows, query.limit, toView);
}

export interface DeadLetterStats {
  total: number;
  byErrorType: Record<string, number>;
  byQueue: Record<string, number>;
  byHttpStatus: Record<string, number>;
}

export async function deadLetterStats(em: EntityManager): Promise<DeadLetterStats> {
  const rows = await em.getConnection().execute<Array<{ dimension: string; value: string | null; count: number }>>(
    `select 'errorType' as dimension, error_type as value, count(*)::int as count from tresta_dead_letters group by error_type
     union all
     select 'queue', queue, count(*)::int from tresta_dead_letters group by queue
     union all
     select 'httpStatus', coalesce(http_status::text, 'none'), count(*)::int from tresta_dead_letters group by http_status`,
  );
  const stats: DeadLetterStats = { total: 0, byErrorType: {}, byQueue: {}, byHttpStatus: {} };
  for (const row of rows) {
    const key = row.value ?? 'none';
    if (row.dimension === 'errorType') {
      stats.byErrorType[key] = row.count;
      stats.total += row.count;
    } else if (row.dimension === 'queue') stats.byQueue[key] = row.count;
    else stats.byHttpStatus[key] = row.count;
  }
  return stats;
}

/**
 * Sends a dead job around again. Idempotent: the new job's id is derived from the dead letter's,
 * so two requeues at once (or a retried click) make one job, and the row records it once.
 * Answers null for an unknown id.
 */
export async function requeueDeadLetter(
  em: EntityManager,
  queues: Record<string, Queue>,
  id: string,
): Promise<{ requeueJobId: string; alreadyRequeued: boolean } | null> {
  const [row] = await em
    .getConnection()
    .execute<DeadLetterRow[]>(`select ${COLUMNS} from tresta_dead_letters where id = ?`, [id]);
  if (!row) return null;
  const queue = queues[row.queue];
  if (!queue || !isJobName(row.job_name)) throw new Error(`dead letter ${id} names an unknown queue or job`);
  const requeueJobId = `requeue-${row.id}`;
  await queue.add(row.job_name, row.payload, { ...JOB_OPTIONS[row.job_name], jobId: requeueJobId });
  const updated = await em
    .getConnection()
    .execute<{ affectedRows?: number }>(
      'update tresta_dead_letters set requeued_at = now(), requeue_job_id = ? where id = ? and requeued_at is null',
      [requeueJobId, id],
      'run',
    );
  return { requeueJobId, alreadyRequeued: (updated.affectedRows ?? 0) === 0 };
}
