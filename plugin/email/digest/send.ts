import type { MikroORM } from '@mikro-orm/postgresql';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import {
  carryDigestEmail,
  markDigestEmailFailed,
  markDigestEmailSent,
  recordFailedDigestAttempt,
  type DigestEmail,
} from '../../data/email-deliveries.js';
import { loadDigestToSend } from '../../data/digest-runs.js';
import type { SqlExecutor } from '../../data/executor.js';
import type { EmailChannel } from '../channel.js';
import type { OutgoingEmail } from '../mailer.js';
import { alertProviderFailure, failureSummary, providerError, rateLimited } from '../provider-failure.js';
import type { FailedSend, RateLimited } from '../provider-failure.js';

export interface DigestSenderDeps {
  orm: MikroORM;
  channel: EmailChannel;
  counters: DailyCounters;
  now?: () => Date;
}

export type SendDigestOutcome = 'sent' | 'already-sent' | 'carried' | 'gone';

/** What became of the digest: done (and how), or the provider asks every sender to pause. */
export type DigestFate = { kind: 'done'; outcome: SendDigestOutcome } | RateLimited;

const done = (outcome: SendDigestOutcome): DigestFate => ({ kind: 'done', outcome });

/** What the operators are told becomes of the digests while the provider's quota is spent. */
const MEANWHILE = 'Digests are carried to the next run.';

/**
 * Sends one digest the digest run rendered: the bytes and the address live in its delivery log row.
 * Effects: one email through the Mailer under `digest/<userId>/<date>`; the digest row and its
 * delivery log row end sent (or failed when refused for good; carried when the provider's daily
 * quota is spent, which also sets the quota lock and releases its notifications to the next run).
 * A transient provider failure throws a ProviderError (try again), a permanent one a PermanentProviderError.
 * Safe to run twice: a sent row is not sent again, and every attempt sends the bytes stored once
 * under the same Idempotency-Key, which the provider drops.
 */
export async function sendDigestEmail(deps: DigestSenderDeps, digestRunId: string): Promise<DigestFate> {
  const connection = deps.orm.em.getConnection();
  const digest = await loadDigestToSend<OutgoingEmail>(connection, digestRunId);
  if (!digest?.idempotency_key || !digest.content) return done('gone');
  if (digest.status === 'sent') return done('already-sent');
  const email: DigestEmail = { digestRunId, idempotencyKey: digest.idempotency_key };

  const outcome = await deps.channel.mailer.send(digest.content, email.idempotencyKey);
  if (outcome.kind === 'sent') {
    await markDigestEmailSent(connection, email, outcome.providerId);
    deps.counters.increment('emails_sent', { kind: 'digest' }).catch(() => undefined);
    return done('sent');
  }
  return handleDigestFailure(deps, connection, email, outcome);
}

async function handleDigestFailure(
  deps: DigestSenderDeps,
  connection: SqlExecutor,
  email: DigestEmail,
  outcome: FailedSend,
): Promise<DigestFate> {
  await recordFailedDigestAttempt(connection, email, failureSummary(outcome));
  switch (outcome.kind) {
    case 'rate-limited':
      return rateLimited(outcome);
    case 'quota-exhausted': {
      alertProviderFailure(deps.channel.alerter, outcome, MEANWHILE);
      const now = deps.now?.() ?? new Date();
      await deps.channel.quota.lockUntilNextDay(now);
      await carryDigestEmail(connection, email);
      return done('carried');
    }
    case 'permanent':
      alertProviderFailure(deps.channel.alerter, outcome, MEANWHILE);
      await markDigestEmailFailed(connection, email);
      deps.counters.increment('emails_failed', { kind: 'digest' }).catch(() => undefined);
      throw providerError(outcome);
    case 'transient':
      throw providerError(outcome);
  }
}
