import type { ProviderError, SendOutcome } from './mailer.js';

const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Resend's answers, sorted into what to do next: retry (transient), wait and retry without
 * spending an attempt (rate-limited), give up (permanent, with an alert when the key or domain is
 * the problem), or stop normal sends for the day or month.
 */
export function classifyResendError(
  error: ProviderError,
  retryAfterHeader: string | null,
): Exclude<SendOutcome, { kind: 'sent' }> {
  const { status, name } = error;
  if (status === 429) {
    if (name === 'daily_quota_exceeded') return { kind: 'quota-exhausted', scope: 'daily', error };
    if (name === 'monthly_quota_exceeded') return { kind: 'quota-exhausted', scope: 'monthly', error };
    const retryAfter = Number(retryAfterHeader);
    return { kind: 'rate-limited', retryAfterSeconds: retryAfter > 0 ? retryAfter : DEFAULT_RETRY_AFTER_SECONDS, error };
  }
  if (status === 409) {
    return name === 'invalid_idempotent_request' ? { kind: 'permanent', alert: false, error } : { kind: 'transient', error };
  }
  if (status === 401 || status === 403) return { kind: 'permanent', alert: true, error };
  if (status === null || status >= 500) return { kind: 'transient', error };
  return { kind: 'permanent', alert: false, error };
}
