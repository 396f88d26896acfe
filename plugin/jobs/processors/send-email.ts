import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NotificationAction } from '../../contract/index.js';
import type { EmailChannel } from '../../email/channel.js';
import type { ProviderDetails } from '../dead-letters.js';
import type { OutgoingEmail, SendOutcome } from '../../email/mailer.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import { mailbox } from '../../email/headers.js';
import { renderNotificationEmail } from '../../email/templates/notification-email.js';
import { singleEmailPriority, type NotificationTypeConfig } from '../../notification-types.js';
import { EMAIL_ON } from '../../services/preference-columns.js';
import { nextUtcMidnight, utcDay } from '../../utc-day.js';
import { parseDeliverNotification } from '../registry.js';

export interface SendEmailDeps {
  orm: MikroORM;
  channel: EmailChannel;
  types: Record<string, NotificationTypeConfig>;
  counters: DailyCounters;
  /** Pauses the email worker (the provider's rate limit), without spending the job's attempts. */
  rateLimit: (ms: number) => Promise<void>;
  now?: () => Date;
}

export type SendEmailOutcome = 'sent' | 'already-sent' | 'suppressed' | 'folded' | 'gone';

/** Deferred emails wake within this long after midnight UTC, spread out rather than all at once. */
const DEFERRED_WAKE_SPREAD_MS = 5 * 60_000;

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
  select n.id, n.user_id, n.type, n.title, n.message, n.link, n.created_at, n.actions, n.required, n.is_read,
         ${EMAIL_ON} as email_on, coalesce(p.digest, 'daily') <> 'off' as has_digest
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where n.id = ?`;

// One row per email, created by the first attempt; later attempts find it and its status.
const CLAIM_DELIVERY = `
  insert into tresta_email_deliveries (id, notification_id, user_id, channel, priority, status, idempotency_key)
  values (gen_random_uuid(), ?, ?, 'email', ?, 'pending', ?)
  on conflict (notification_id, channel) do update set updated_at = now()
  returning id, status, content`;

// The first attempt's rendering is kept: every later attempt sends exactly these bytes.
const KEEP_RENDERED = `
  update tresta_email_deliveries set content = coalesce(content, ?::json) where id = ? returning content`;

// The budget is spent: the email waits for the next UTC day, kept (never dropped) and counted nowhere.
const DEFER = `
  update tresta_email_deliveries
  set status = 'deferred', deferred_until = ?, quota_date = null, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

// The budget is spent and the user has a digest: the notification goes in their next digest
// instead (the digest takes it), never as an email of its own.
const FOLD = `
  update tresta_email_deliveries
  set status = 'folded', deferred_until = null, quota_date = null, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

// Reserved in the day's budget: the row counts for that day (the source for rebuilding the counter).
const RESERVED = `
  update tresta_email_deliveries
  set status = 'pending', deferred_until = null, quota_date = ?::date, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

const SUPPRESS = `
  update tresta_email_deliveries
  set status = 'suppressed', last_error = ?, recipient = coalesce(?, recipient), updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

/**
 * send-email — purpose: email one notification of a type emailed singly: `immediate` (critical,
 * high priority) or `normal` (within the daily budget); for a type that escalates, run
 * escalateAfterMinutes after the notification, only if it is still unread (normal priority).
 * Input: { notificationId, userId }.
 * Effects: at most one email per notification, through the Mailer with the Idempotency-Key
 * `notification-email/<id>` and a byte-identical body on every attempt (rendered once, kept in
 * the delivery row: the job carries ids only); counted in the day's
 * quota (high priority: never refused; normal, when the budget is spent: folded into the user's
 * next digest when they have one, else deferred to the next UTC day, the job delayed until then);
 * the delivery log row ends sent, suppressed, folded or failed, or stays deferred until its day comes.
 * Safe to run twice: the delivery row says "sent" after the first success, the quota reservation is
 * keyed by the email, and the provider drops a repeated Idempotency-Key.
 */
export async function sendEmail(deps: SendEmailDeps, job: Job, token: string | undefined): Promise<SendEmailOutcome> {
  const payload = parseDeliverNotification(job.data);
  if (!payload) throw new UnrecoverableError('send-email: malformed payload');
  const { channel } = deps;
  const now = deps.now?.() ?? new Date();
  const connection = deps.orm.em.getConnection();
  const [notification] = await connection.execute<
    Array<{
      id: string;
      user_id: string;
      type: string;
      title: string;
      message: string;
      link: string | null;
      created_at: Date;
      actions: NotificationAction[];
      required: boolean;
      is_read: boolean;
      email_on: boolean;
      has_digest: boolean;
    }>
  >(LOAD, [payload.notificationId]);
  if (!notification || notification.user_id !== payload.userId) return 'gone';
  // The type's mode when the job runs (a type no longer emailed singly is treated as normal).
  const type = deps.types[notification.type];
  const priority = singleEmailPriority(type) ?? 'normal';

  const idempotencyKey = `notification-email/${notification.id}`;
  const [delivery] = await connection.execute<Array<{ id: string; status: string; content: OutgoingEmail | null }>>(
    CLAIM_DELIVERY,
    [notification.id, notification.user_id, priority, idempotencyKey],
  );
  if (!delivery) throw new Error('send-email: the delivery row could not be written');
  if (delivery.status === 'sent') return 'already-sent';
  if (delivery.status === 'suppressed') return 'suppressed';
  if (delivery.status === 'folded') return 'folded';
  const suppress = async (reason: string, recipient: string | null = null) => {
    await connection.execute(SUPPRESS, [reason, recipient, delivery.id], 'run');
    return 'suppressed' as const;
  };

  if (!notification.email_on) return suppress('email turned off in preferences');
  // An escalation (its job ran escalateAfterMinutes after the notification): seen in time, no email.
  if (type?.escalateAfterMinutes && notification.is_read) return suppress('read before the escalation email was due');
  const recipient = await channel.resolveRecipient(notification.user_id);
  if (!recipient) return suppress('no email address for this user');
  const [blocked] = await connection.execute<Array<{ reason: string }>>(
    'select reason from tresta_email_suppressions where email = ?',
    [recipient.email.toLowerCase()],
  );
  if (blocked) return suppress(`address suppressed after a ${blocked.reason}`, recipient.email);

  const reservation = await channel.quota.reserve({
    emailKey: idempotencyKey,
    userId: notification.user_id,
    priority,
    recipients: 1,
    now,
  });
  if (reservation.outcome === 'user-limited') {
    // Over the user's hourly limit: wait for the window, without spending an attempt.
    await job.moveToDelayed(Date.now() + reservation.retryAfterSeconds * 1000, token);
    throw new DelayedError();
  }
  const waiting = { id: delivery.id, recipient: recipient.email, hasDigest: notification.has_digest, now };
  if (reservation.outcome === 'budget-spent') return deferOrFold(deps, job, token, waiting);
  await connection.execute(RESERVED, [utcDay(now), recipient.email, delivery.id], 'run');

  const rendered = renderNotificationEmail({
    brand: channel.brand,
    appUrl: channel.appUrl,
    from: channel.from,
    to: mailbox(recipient),
    notification,
    // A required type cannot be switched off, so its email offers no unsubscribe link that could not work.
    unsubscribe:
      priority === 'normal' && !notification.required
        ? await channel.unsubscribe.forUser(notification.user_id, {
            type: notification.type,
            issuedAt: new Date(notification.created_at),
          })
        : null,
  });
  // The first attempt's bytes win: a template changed by a deploy between attempts changes nothing.
  const email = delivery.content ?? (await keepRendered(deps, delivery.id, rendered));
  const outcome = await channel.mailer.send(email, idempotencyKey);
  if (outcome.kind === 'sent') {
    await connection.execute(
      `update tresta_email_deliveries
       set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, attempts = attempts + 1, updated_at = now()
       where id = ?`,
      [outcome.providerId, delivery.id],
      'run',
    );
    deps.counters.increment('emails_sent', { kind: priority }).catch(() => undefined);
    return 'sent';
  }
  return handleFailure(deps, job, token, outcome, { ...waiting, priority });
}

/** Stores the rendered email in its delivery row, unless an earlier attempt did: answers the stored one. */
async function keepRendered(deps: SendEmailDeps, deliveryId: string, email: OutgoingEmail): Promise<OutgoingEmail> {
  const [row] = await deps.orm.em
    .getConnection()
    .execute<Array<{ content: OutgoingEmail }>>(KEEP_RENDERED, [JSON.stringify(email), deliveryId]);
  return row?.content ?? email;
}

interface WaitingEmail {
  id: string;
  recipient: string;
  /** The user gets a digest (email on, digest daily or weekly): a deferred email folds into it. */
  hasDigest: boolean;
  now: Date;
}

/**
 * The budget is spent. With a digest, the email folds into the user's next digest (the job
 * ends); without one, it waits for the next UTC day: the delivery row says so, and the job
 * sleeps until then.
 */
async function deferOrFold(deps: SendEmailDeps, job: Job, token: string | undefined, email: WaitingEmail): Promise<'folded'> {
  const connection = deps.orm.em.getConnection();
  deps.counters.increment('emails_deferred', { at: email.now }).catch(() => undefined);
  if (email.hasDigest) {
    await connection.execute(FOLD, [email.recipient, email.id], 'run');
    return 'folded';
  }
  const wakeAt = nextUtcMidnight(email.now).getTime() + Math.floor(Math.random() * DEFERRED_WAKE_SPREAD_MS);
  await connection.execute(DEFER, [new Date(wakeAt), email.recipient, email.id], 'run');
  await job.moveToDelayed(wakeAt, token);
  throw new DelayedError();
}

async function handleFailure(
  deps: SendEmailDeps,
  job: Job,
  token: string | undefined,
  outcome: Exclude<SendOutcome, { kind: 'sent' }>,
  delivery: WaitingEmail & { priority: 'high' | 'normal' },
): Promise<'folded'> {
  const { alerter } = deps.channel;
  const { error } = outcome;
  const summary = `${error.status ?? 'network'} ${error.name}: ${error.message}`;
  // One statement records the attempt; only a permanent refusal ends the delivery as failed.
  await deps.orm.em.getConnection().execute(
    `update tresta_email_deliveries
     set attempts = attempts + 1, last_error = ?, status = case when ? then 'failed' else status end, updated_at = now()
     where id = ? and status not in ('sent', 'suppressed')`,
    [summary, outcome.kind === 'permanent', delivery.id],
    'run',
  );
  switch (outcome.kind) {
    case 'rate-limited':
      // The provider's rate limit: pause this worker for Retry-After; the job keeps its attempts.
      await deps.rateLimit(outcome.retryAfterSeconds * 1000);
      throw Worker.RateLimitError();
    case 'quota-exhausted':
      // The provider's count is the one that matters: our budget is closed for the day as well.
      if (outcome.scope === 'daily') await deps.channel.quota.lockUntilNextDay(delivery.now);
      if (outcome.scope === 'daily' && delivery.priority === 'normal') {
        return deferOrFold(deps, job, token, delivery);
      }
      void alerter.raise(
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
      deps.counters.increment('emails_failed', { kind: delivery.priority }).catch(() => undefined);
      throw new PermanentProviderError(summary, error.status, error);
    case 'transient':
      throw new ProviderError(summary, error.status, error);
  }
}
