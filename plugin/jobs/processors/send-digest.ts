import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EmailChannel } from '../../email/channel.js';
import type { OutgoingEmail, SendOutcome } from '../../email/mailer.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import type { ProviderDetails } from '../dead-letters.js';
import { UUID } from '../registry.js';

export interface SendDigestDeps {
  orm: MikroORM;
  channel: EmailChannel;
  counters: DailyCounters;
  /** Pauses the digests worker (the provider's rate limit), without spending the job's attempts. */
  rateLimit: (ms: number) => Promise<void>;
  now?: () => Date;
}

export type SendDigestOutcome = 'sent' | 'already-sent' | 'carried' | 'gone';

/** A provider failure with what the provider said, for the retry history and the dead letter. */
class DigestProviderError extends Error implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

class PermanentDigestError extends UnrecoverableError implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

// The digest and its delivery log row end together.
const MARK_SENT = `
  with digest as (update tresta_digest_runs set status = 'sent', sent_at = now() where id = ? and status <> 'sent')
  update tresta_email_deliveries
  set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, attempts = attempts + 1, updated_at = now()
  where idempotency_key = ?`;

const MARK_ATTEMPT = `
  update tresta_email_deliveries set attempts = attempts + 1, last_error = ?, updated_at = now()
  where idempotency_key = ? and status = 'pending'`;

const MARK_FAILED = `
  with digest as (update tresta_digest_runs set status = 'failed' where id = ? and status = 'pending')
  update tresta_email_deliveries set status = 'failed', updated_at = now() where idempotency_key = ? and status = 'pending'`;

// The provider's daily quota is spent: the digest goes with the next run. Its notifications are
// released (the next digest takes them, with whatever came since) and its log row, never sent
// nor counted, makes way for the next one.
const MARK_CARRIED = `
  with digest as (update tresta_digest_runs set status = 'carried' where id = ? and status = 'pending'),
  released as (update tresta_notifications set digest_run_id = null where digest_run_id = ?)
  delete from tresta_email_deliveries where idempotency_key = ? and status = 'pending'`;

// The digest's row, and the bytes the digest run rendered into its delivery log row.
const LOAD = `
  select d.status, e.idempotency_key, e.content from tresta_digest_runs d
  left join tresta_email_deliveries e on e.digest_run_id = d.id and e.channel = 'email'
  where d.id = ?`;

interface Rendered {
  digestRunId: string;
  idempotencyKey: string;
  email: OutgoingEmail;
}

function parseSendDigest(data: unknown): { digestRunId: string; userId: string } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { digestRunId, userId } = data as Record<string, unknown>;
  if (typeof digestRunId !== 'string' || !UUID.test(digestRunId) || typeof userId !== 'string') return null;
  return { digestRunId, userId };
}

/**
 * send-digest — purpose: send one digest the digest run rendered.
 * Input: { digestRunId, userId } (ids only: the bytes and the address live in the delivery log row).
 * Effects: one email through the Mailer under `digest/<userId>/<date>`; the digest row and its
 * delivery log row end sent (or failed when refused for good; carried when the provider's daily
 * quota is spent, which also sets the quota lock and releases its notifications to the next run).
 * Output: what happened. Safe to run twice: a sent row is not sent again, and every attempt sends
 * the bytes stored once under the same Idempotency-Key, which the provider drops.
 */
export async function sendDigest(deps: SendDigestDeps, job: Job): Promise<SendDigestOutcome> {
  const payload = parseSendDigest(job.data);
  if (!payload) throw new UnrecoverableError('send-digest: malformed payload');
  const connection = deps.orm.em.getConnection();
  const [digest] = await connection.execute<
    Array<{ status: string; idempotency_key: string | null; content: OutgoingEmail | null }>
  >(LOAD, [payload.digestRunId]);
  if (!digest?.idempotency_key || !digest.content) return 'gone';
  if (digest.status === 'sent') return 'already-sent';
  const rendered: Rendered = { digestRunId: payload.digestRunId, idempotencyKey: digest.idempotency_key, email: digest.content };

  const outcome = await deps.channel.mailer.send(rendered.email, rendered.idempotencyKey);
  if (outcome.kind === 'sent') {
    await connection.execute(MARK_SENT, [rendered.digestRunId, outcome.providerId, rendered.idempotencyKey], 'run');
    deps.counters.increment('emails_sent', { kind: 'digest' }).catch(() => undefined);
    return 'sent';
  }
  return handleDigestFailure(deps, rendered, outcome);
}

async function handleDigestFailure(
  deps: SendDigestDeps,
  payload: Rendered,
  outcome: Exclude<SendOutcome, { kind: 'sent' }>,
): Promise<'carried'> {
  const connection = deps.orm.em.getConnection();
  const { error } = outcome;
  const summary = `${error.status ?? 'network'} ${error.name}: ${error.message}`;
  await connection.execute(MARK_ATTEMPT, [summary, payload.idempotencyKey], 'run');
  switch (outcome.kind) {
    case 'rate-limited':
      await deps.rateLimit(outcome.retryAfterSeconds * 1000);
      throw Worker.RateLimitError();
    case 'quota-exhausted': {
      void deps.channel.alerter.raise(
        `resend-${outcome.scope}-quota`,
        {
          severity: 'critical',
          title: `Resend's ${outcome.scope} quota is exhausted`,
          text: 'Digests are carried to the next run.',
        },
        outcome.scope === 'daily' ? 86_400 : 7 * 86_400,
      );
      const now = deps.now?.() ?? new Date();
      await deps.channel.quota.lockUntilNextDay(now);
      await connection.execute(MARK_CARRIED, [payload.digestRunId, payload.digestRunId, payload.idempotencyKey], 'run');
      return 'carried';
    }
    case 'permanent':
      if (outcome.alert) {
        void deps.channel.alerter.raise(
          `resend-refused-${error.status}`,
          {
            severity: 'critical',
            title: 'Resend refuses our emails',
            text: `${error.name}: ${error.message}. Check the API key and the sending domain.`,
          },
          3_600,
        );
      }
      await connection.execute(MARK_FAILED, [payload.digestRunId, payload.idempotencyKey], 'run');
      deps.counters.increment('emails_failed', { kind: 'digest' }).catch(() => undefined);
      throw new PermanentDigestError(summary, error.status, error);
    case 'transient':
      throw new DigestProviderError(summary, error.status, error);
  }
}
