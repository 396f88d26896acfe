import type { EntityManager } from '@mikro-orm/postgresql';
import { deadLetterCounts, deadLettersPage, type DeadLetterRow } from '../data/dead-letters.js';
import { decodeCursor, toPage } from './cursor.js';

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
  const rows = await deadLettersPage(em.getConnection(), {
    queue: query.queue,
    errorType: query.errorType,
    after: query.cursor ? decodeCursor(query.cursor) : null,
    limit: query.limit + 1,
  });
  return toPage(rows, query.limit, toView);
}

export interface DeadLetterStats {
  total: number;
  byErrorType: Record<string, number>;
  byQueue: Record<string, number>;
  byHttpStatus: Record<string, number>;
}

export async function deadLetterStats(em: EntityManager): Promise<DeadLetterStats> {
  const rows = await deadLetterCounts(em.getConnection());
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
