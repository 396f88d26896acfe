import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Alerter } from '../../alerts/alerter.js';
import type { ProviderDetails } from '../dead-letters.js';
import type { Mailer, SendOutcome } from '../../email/mailer.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import type { Brand } from '../../email/templates/brand.js';
import { renderNotificationEmail } from '../../email/templates/notification-email.js';
import type { QuotaGuard } from '../../quota/quota-guard.js';
import { EMAIL_ON } from '../../services/preference-columns.js';
import { utcDay } from '../../utc-day.js';
import { parseDeliverNotification } from '../registry.js';

export interface SendEmailDeps {
  orm: MikroORM;
  mailer: Mailer;
  quota: QuotaGuard;
  alerter: Alerter;
  from: string;
  appUrl: string;
  brand: Brand;
  resolveRecipient: (userId: string) => Promise<{ email: string; name?: string } | null>;
  counters: DailyCounters;
  /** Pauses the email worker (the provider's rate limit), without spending the job's attempts. */
  rateLimit: (ms: number) => Promise<void>;
}

export type SendEmailOutcome = 'sent' | 'already-sent' | 'suppressed' | 'gone';

/** A provider failure, with what the provider said, for the retry history and the dead letter. */
class ProviderError extends Error implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

class PermanentProviderError extends UnrecoverableError implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

const LOAD = `
  select n.id, n.user_id, n.type, n.title, n.message, n.link,
         ${EMAIL_ON} as email_on
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where n.id = ?`;

// One row per email, created by the first attempt; later attempts find it and its status.
const CLAIM_DELIVERY = `
  insert into tresta_email_deliveries (id, notification_id, user_id, channel, priority, status, idempotency_key)
  values (gen_random_uuid(), ?, ?, 'email', 'high', 'pending', ?)
  on conflict (notification_id, channel) do update set updated_at = now()
  returning id, status`;

const SUPPRESS = `
  update tresta_email_deliveries
  set status = 'suppressed', last_error = ?, recipient = coalesce(?, recipient), updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

/**
 * send-email — purpose: email one notification of a critical type at once.
 * Input: { notificationId, userId }.
 * Effects: at most one email per notification, through the Mailer with the Idempotency-Key
 * `notification-email/<id>` and a byte-identical body on every attempt; counted in the day's
 * quota (high priority: never refused); the delivery log row ends sent, suppressed or failed.
 * Safe to run twice: the delivery row says "sent" after the first success, the quota reservation is
 * keyed by the email, and the provider drops a repeated Idempotency-Key.
 */
export async function sendEmail(deps: SendEmailDeps, job: Job, token: string | undefined): Promise<SendEmailOutcome> {
  const payload = parseDeliverNotification(job.data);
  if (!payload) throw new UnrecoverableError('send-email: malformed payload');
  const connection = deps.orm.em.getConnection();
  const [notification] = await connection.execute<
    Array<{ id: string; user_id: string; type: string; title: string; message: string; link: string | null; email_on: boolean }>
  >(LOAD, [payload.notificationId]);
  if (!notification || notification.user_id !== payload.userId) return 'gone';

  const idempotencyKey = `notification-email/${notification.id}`;
  const [delivery] = await connection.execute<Array<{ id: string; status: string }>>(CLAIM_DELIVERY, [
    notification.id,
    notification.user_id,
    idempotencyKey,
  ]);
  if (!delivery) throw new Error('send-email: the delivery row could not be written');
  if (delivery.status === 'sent') return 'already-sent';
  if (delivery.status === 'suppressed') return 'suppressed';
  const suppress = async (reason: string, recipient: string | null = null) => {
    await connection.execute(SUPPRESS, [reason, recipient, delivery.id], 'run');
    return 'suppressed' as const;
  };

  if (!notification.email_on) return suppress('email turned off in preferences');
  const recipient = await deps.resolveRecipient(notification.user_id);
  if (!recipient) return suppress('no email address for this user');
  const [blocked] = await connection.execute<Array<{ reason: string }>>(
    'select reason from tresta_email_suppressions where email = ?',
    [recipient.email.toLowerCase()],
  );
  if (blocked) return suppress(`address suppressed after a ${blocked.reason}`, recipient.email);

  const reservation = await deps.quota.reserve({
    emailKey: idempotencyKey,
    userId: notification.user_id,
    priority: 'high',
    recipients: 1,
  });
  if (reservation.outcome === 'user-limited') {
    // Over the user's hourly limit: wait for the window, without spending an attempt.
    await job.moveToDelayed(Date.now() + reservation.retryAfterSeconds * 1000, token);
    throw new DelayedError();
  }
  await connection.execute(
    'update tresta_email_deliveries set quota_date = ?::date, recipient = ? where id = ?',
    [utcDay(new Date()), recipient.email, delivery.id],
    'run',
  );

  const email = renderNotificationEmail({
    brand: deps.brand,
    appUrl: deps.appUrl,
    from: deps.from,
    to: recipient.name ? `${recipient.name.replace(/[<>"]/g, '')} <${recipient.email}>` : recipient.email,
    notification,
  });
  const outcome = await deps.mailer.send(email, idempotencyKey);
  if (outcome.kind === 'sent') {
    await connection.execute(
      `update tresta_email_deliveries
       set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, attempts = attempts + 1, updated_at = now()
       where id = ?`,
      [outcome.providerId, delivery.id],
      'run',
    );
    deps.counters.increment('emails_sent').catch(() => undefined);
    return 'sent';
  }
  return handleFailure(deps, job, token, outcome, delivery.id);
}

async function handleFailure(
  deps: SendEmailDeps,
  job: Job,
  token: string | undefined,
  outcome: Exclude<SendOutcome, { kind: 'sent' }>,
  deliveryId: string,
): Promise<never> {
  const { error } = outcome;
  const summary = `${error.status ?? 'network'} ${error.name}: ${error.message}`;
  // One statement records the attempt; only a permanent refusal ends the delivery as failed.
  await deps.orm.em.getConnection().execute(
    `update tresta_email_deliveries
     set attempts = attempts + 1, last_error = ?, status = case when ? then 'failed' else status end, updated_at = now()
     where id = ? and status not in ('sent', 'suppressed')`,
    [summary, outcome.kind === 'permanent', deliveryId],
    'run',
  );
  switch (outcome.kind) {
    case 'rate-limited':
      // The provider's rate limit: pause this worker for Retry-After; the job keeps its attempts.
      await deps.rateLimit(outcome.retryAfterSeconds * 1000);
      throw Worker.RateLimitError();
    case 'quota-exhausted':
      void deps.alerter.raise(
        `resend-${outcome.scope}-quota`,
        {
          severity: 'critical',
          title: `Resend's ${outcome.scope} quota is exhausted`,
          text: 'Emails wait until the provider accepts them again.',
        },
        outcome.scope === 'daily' ? 86_400 : 7 * 86_400,
      );
      await job.moveToDelayed(Date.now() + 15 * 60_000, token);
      throw new DelayedError();
    case 'permanent':
      if (outcome.alert) {
        void deps.alerter.raise(
          `resend-refused-${error.status}`,
          {
            severity: 'critical',
            title: 'Resend refuses our emails',
            text: `${error.name}: ${error.message}. Check the API key and the sending domain.`,
          },
          3_600,
        );
      }
      deps.counters.increment('emails_failed').catch(() => undefined);
      throw new PermanentProviderError(summary, error.status, error);
    case 'transient':
      throw new ProviderError(summary, error.status, error);
  }
}
