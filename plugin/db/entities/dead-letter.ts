import { EntitySchema } from '@mikro-orm/core';

export type ErrorType = 'transient' | 'permanent';

/** One failed attempt, as BullMQ kept it: its number and the first line of its error. */
export interface RetryAttempt {
  attempt: number;
  error: string;
}

/** A job that failed for good: its last attempt, a permanent error, or a stall past the limit. */
export interface DeadLetter {
  id: string;
  queue: string;
  jobId: string;
  jobName: string;
  payload: Record<string, unknown>;
  errorType: ErrorType;
  errorMessage: string;
  httpStatus: number | null;
  providerResponse: unknown;
  attempts: number;
  retryHistory: RetryAttempt[];
  createdAt: Date;
  requeuedAt: Date | null;
  requeueJobId: string | null;
}

export const DeadLetterSchema = new EntitySchema<DeadLetter>({
  name: 'TrestaDeadLetter',
  tableName: 'tresta_dead_letters',
  properties: {
    id: { type: 'uuid', primary: true },
    queue: { type: 'text' },
    jobId: { type: 'text' },
    jobName: { type: 'text' },
    payload: { type: 'jsonb' },
    errorType: { type: 'text' },
    errorMessage: { type: 'text' },
    httpStatus: { type: 'integer', nullable: true },
    providerResponse: { type: 'jsonb', nullable: true },
    attempts: { type: 'integer', default: 0 },
    retryHistory: { type: 'jsonb', defaultRaw: "'[]'" },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    requeuedAt: { type: 'datetime', length: 3, nullable: true },
    requeueJobId: { type: 'text', nullable: true },
  },
  indexes: [
    { name: 'tresta_dead_letters_queue_created_at_idx', properties: ['queue', 'createdAt'] },
    { name: 'tresta_dead_letters_error_type_idx', properties: ['errorType'] },
  ],
});
