import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';

/** Is this failure the job's last? (a permanent error, attempts spent, or a stall past the limit) */
export function isFinalFailure(job: Job | undefined, error: Error): boolean {
  if (!job) return true;
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  if (/stalled more than allowable limit/.test(error.message)) return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}

const INSERT_DEAD_LETTER = `
  insert into tresta_dead_letters (id, queue, job_id, job_name, payload, error_type, error_message, http_status,
                                   provider_response, attempts, retry_history)
  values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, ?::jsonb)`;

/** What a provider answered, carried by the error a processor throws, for the dead letter. */
export interface ProviderDetails {
  httpStatus: number | null;
  providerResponse: unknown;
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
  const { httpStatus, providerResponse } = providerDetails(error);
  const history = (job?.stacktrace ?? []).map((trace, index) => ({
    attempt: index + 1,
    error: trace.split('\n')[0] ?? '',
  }));
  await orm.em
    .fork()
    .execute(INSERT_DEAD_LETTER, [
      randomUUID(),
      queue,
      job?.id ?? 'unknown',
      job?.name ?? 'unknown',
      JSON.stringify(job?.data ?? {}),
      permanent ? 'permanent' : 'transient',
      error.message,
      httpStatus,
      JSON.stringify(providerResponse),
      job?.attemptsMade ?? 0,
      JSON.stringify(history),
    ]);
}
