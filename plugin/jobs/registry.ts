import type { JobsOptions } from 'bullmq';

// The one registry of queues, job names and their payloads. Queued jobs outlive deploys, so each
// processor still checks its payload at the boundary (see parse* below) instead of trusting it.

export const QUEUES = {
  notifications: 'notifications',
  emails: 'emails',
  digests: 'digests',
  scheduled: 'scheduled',
  pushes: 'pushes',
} as const;

/** The scheduled jobs (queue `scheduled`, see jobs/scheduling/schedules.ts): the tick is all they need. */
export type ScheduledJobPayload = Record<string, never>;

export interface JobPayloads {
  /**
   * What the relay left of a notification's delivery: its email and push, as its type and the
   * user's preferences call for, and with `ably` an Ably publish that failed in the relay.
   */
  'deliver-notification': { notificationId: string; userId: string; ably?: boolean };
  'send-email': { notificationId: string; userId: string };
  /** One user's digest, rendered by the digest run into its delivery log row: every attempt sends those bytes. */
  'send-digest': { digestRunId: string; userId: string };
  /** One notification to one of its user's browsers (a web push subscription). */
  'send-push': { notificationId: string; subscriptionId: string; userId: string };
  digest: ScheduledJobPayload;
  reconciliation: ScheduledJobPayload;
  redrive: ScheduledJobPayload;
  retention: ScheduledJobPayload;
}
export type JobName = keyof JobPayloads;

/** Deterministic, so an outbox row enqueued twice (a relay died before marking it) is one job. */
export const deliverJobId = (notificationId: string) => `deliver-${notificationId}`;
/** One email job per notification, however often its delivery runs. */
export const emailJobId = (notificationId: string) => `email-${notificationId}`;
/** One job per digest row (unique per user and period); the row's uuid keeps ":" out of the id. */
export const digestJobId = (digestRunId: string) => `digest-${digestRunId}`;
/** One push job per notification and browser, however often its delivery runs ("-": BullMQ refuses ":" in custom ids). */
export const pushJobId = (notificationId: string, subscriptionId: string) => `push-${notificationId}-${subscriptionId}`;
/** BullMQ priorities: lower runs first. Critical emails go ahead of everything else. */
export const EMAIL_PRIORITY = { high: 1, normal: 10 } as const;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Both jobs carry the same reference to a notification; checked the same way. */
export function parseDeliverNotification(data: unknown): JobPayloads['send-email'] | null {
  if (typeof data !== 'object' || data === null) return null;
  const { notificationId, userId } = data as Record<string, unknown>;
  if (typeof notificationId !== 'string' || !UUID.test(notificationId) || typeof userId !== 'string') return null;
  return { notificationId, userId };
}

export function parseSendPush(data: unknown): JobPayloads['send-push'] | null {
  if (typeof data !== 'object' || data === null) return null;
  const { notificationId, subscriptionId, userId } = data as Record<string, unknown>;
  if (typeof notificationId !== 'string' || !UUID.test(notificationId)) return null;
  if (typeof subscriptionId !== 'string' || !UUID.test(subscriptionId) || typeof userId !== 'string') return null;
  return { notificationId, subscriptionId, userId };
}

/**
 * The retry schedule (the jobs' backoff type 'seed'): min(2^attempts · 1000, 30000) ms, so a
 * dependency back within half a minute loses no more than one retry to the wait.
 */
export function backoffDelay(attemptsMade: number): number {
  return Math.min(2 ** attemptsMade * 1000, 30_000);
}

/** A failure that says when to try again (a push service's Retry-After). */
export interface RetryAfter {
  retryAfterMs: number | null;
}

/** The longest Retry-After honoured: a push held back longer than this has lost its point. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** The delay before the next attempt: the one the failure asks for, else the capped exponential schedule. */
export function retryDelay(attemptsMade: number, error?: Error): number {
  const asked = (error as (Error & Partial<RetryAfter>) | undefined)?.retryAfterMs;
  if (typeof asked === 'number' && Number.isFinite(asked) && asked >= 0) return Math.min(asked, MAX_RETRY_AFTER_MS);
  return backoffDelay(attemptsMade);
}

const DELIVERY_ATTEMPTS = 5;

// A scheduled run that failed (Postgres away) is tried again; its fence makes that safe. Kept a
// day once done, so "run now" can read its outcome and an operator can see the last runs.
const SCHEDULED_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'seed' },
  removeOnComplete: { age: 24 * 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

/** How each job is enqueued, wherever it is enqueued from (the relay, a dead-letter requeue). */
export const JOB_OPTIONS: Record<JobName, JobsOptions> = {
  'deliver-notification': {
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'seed' },
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  },
  'send-email': {
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'seed' },
    priority: EMAIL_PRIORITY.high,
    removeOnComplete: { age: 24 * 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  },
  'send-digest': {
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'seed' },
    removeOnComplete: { age: 24 * 3_600, count: 20_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  },
  'send-push': {
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'seed' },
    removeOnComplete: { age: 24 * 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  },
  digest: SCHEDULED_JOB_OPTIONS,
  reconciliation: SCHEDULED_JOB_OPTIONS,
  redrive: SCHEDULED_JOB_OPTIONS,
  retention: SCHEDULED_JOB_OPTIONS,
};

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_OPTIONS, name);
}
