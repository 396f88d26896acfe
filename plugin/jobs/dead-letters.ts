import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { findDeadLetter, insertDeadLetter, markDeadLetterRequeued, type ProviderDetails } from '../data/dead-letters.js';
import { isJobName, JOB_OPTIONS } from './registry.js';

/** Is this failure the job's last? (a permanent error, attempts spent, or a stall past the limit) */
export function isFinalFailure(job: Job | undefined, error: Error): boolean {
  if (!job) return true;
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  if (/stalled more than allowable limit/.test(error.message)) return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}

function providerDetails(error: Error): ProviderDetails {
  const details = error as Error & Partial<ProviderDetails>;
  return { httpStatus: details.httpStatus ?? null, providerResponse: details.providerResponse ?? null };
}

/**
 * Keeps a job that failed for good in Postgres, where an operator can see and requeue it.
 * Permanent when the processor said so (UnrecoverableError); transient when retries ran out.
 */
export async function recordDeadLetter(orm: MikroORM, queue: string, job: Job | undefined, error: Error): Promise<void> {
  const permanent = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
  const history = (job?.stacktrace ?? []).map((trace, index) => ({
    attempt: index + 1,
    error: trace.split('\n')[0] ?? '',
  }));
  await insertDeadLetter(orm.em.fork(), {
    id: randomUUID(),
    queue,
    jobId: job?.id ?? 'unknown',
    jobName: job?.name ?? 'unknown',
    payload: job?.data ?? {},
    errorType: permanent ? 'permanent' : 'transient',
    errorMessage: error.message,
    ...providerDetails(error),
    attempts: job?.attemptsMade ?? 0,
    retryHistory: history,
  });
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
  const row = await findDeadLetter(em.getConnection(), id);
  if (!row) return null;
  const queue = queues[row.queue];
  if (!queue || !isJobName(row.job_name)) throw new Error(`dead letter ${id} names an unknown queue or job`);
  const requeueJobId = `requeue-${row.id}`;
  await queue.add(row.job_name, row.payload, { ...JOB_OPTIONS[row.job_name], jobId: requeueJobId });
  const recorded = await markDeadLetterRequeued(em.getConnection(), id, requeueJobId);
  return { requeueJobId, alreadyRequeued: !recorded };
}
