import { UnrecoverableError } from 'bullmq';
import type { Alerter } from '../alerts/alerter.js';
import type { ProviderDetails } from '../data/dead-letters.js';
import type { SendOutcome } from './mailer.js';

// What every email path (one notification's email, a digest) does when the provider does not
// take an email: the same summary, the same errors, the same alerts.

/** A send the provider did not accept, as the mailer classified it. */
export type FailedSend = Exclude<SendOutcome, { kind: 'sent' }>;

/** The provider's rate limit: the sender pauses this long, and the job keeps its attempts. */
export interface RateLimited {
  kind: 'rate-limited';
  retryAfterMs: number;
}

export const rateLimited = (outcome: Extract<FailedSend, { kind: 'rate-limited' }>): RateLimited => ({
  kind: 'rate-limited',
  retryAfterMs: outcome.retryAfterSeconds * 1000,
});

/** The failure in one line, for the delivery log and the job's retry history. */
export const failureSummary = ({ error }: FailedSend) => `${error.status ?? 'network'} ${error.name}: ${error.message}`;

/** A provider failure, with what the provider said, for the retry history and the dead letter. */
export class ProviderError extends Error implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

/** A refusal no retry changes: the job fails for good, with what the provider said. */
export class PermanentProviderError extends UnrecoverableError implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

/** The error a job throws for a failure it does not wait out: a transient one is retried, a permanent one is not. */
export function providerError(outcome: Extract<FailedSend, { kind: 'transient' | 'permanent' }>): Error {
  const summary = failureSummary(outcome);
  return outcome.kind === 'permanent'
    ? new PermanentProviderError(summary, outcome.error.status, outcome.error)
    : new ProviderError(summary, outcome.error.status, outcome.error);
}

/**
 * Tells the operators when the provider stops taking our email: its quota is spent (`meanwhile`
 * says what becomes of the emails until it takes them again), or it refuses us in a way that
 * needs them (the API key, the sending domain).
 */
export function alertProviderFailure(alerter: Alerter, outcome: FailedSend, meanwhile: string): void {
  switch (outcome.kind) {
    case 'quota-exhausted':
      void alerter.raise(
        `resend-${outcome.scope}-quota`,
        { severity: 'critical', title: `Resend's ${outcome.scope} quota is exhausted`, text: meanwhile },
        outcome.scope === 'daily' ? 86_400 : 7 * 86_400,
      );
      return;
    case 'permanent':
      if (outcome.alert) {
        const { error } = outcome;
        void alerter.raise(
          `resend-refused-${error.status}`,
          {
            severity: 'critical',
            title: 'Resend refuses our emails',
            text: `${error.name}: ${error.message}. Check the API key and the sending domain.`,
          },
          3_600,
        );
      }
      return;
    case 'rate-limited':
    case 'transient':
      return;
  }
}
