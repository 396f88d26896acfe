import type { MikroORM } from '@mikro-orm/postgresql';
import {
  claimNotificationEmail,
  keepRenderedEmail,
  markEmailDeferred,
  markEmailFolded,
  markEmailReserved,
  markEmailSent,
  markEmailSuppressed,
  recordFailedEmailAttempt,
} from '../data/email-deliveries.js';
import { suppressionOf } from '../data/email-suppressions.js';
import type { SqlExecutor } from '../data/executor.js';
import { loadNotificationForEmail } from '../data/notifications.js';
import type { DailyCounters } from '../metrics/daily-counters.js';
import { singleEmailPriority, type NotificationTypeConfig } from '../notification-types.js';
import { nextUtcMidnight, utcDay } from '../time/utc-day.js';
import type { EmailChannel } from './channel.js';
import { mailbox } from './headers.js';
import type { OutgoingEmail } from './mailer.js';
import {
  alertProviderFailure,
  failureSummary,
  providerError,
  rateLimited,
  type FailedSend,
  type RateLimited,
} from './provider-failure.js';
import { renderNotificationEmail } from './templates/notification-email.js';

export interface NotificationEmailDeps {
  orm: MikroORM;
  channel: EmailChannel;
  types: Record<string, NotificationTypeConfig>;
  counters: DailyCounters;
  now?: () => Date;
}

export type SendEmailOutcome = 'sent' | 'already-sent' | 'suppressed' | 'folded' | 'gone';

/**
 * What became of the email: done (and how), or not yet. `wait`: try again at `until` without
 * spending an attempt (the user's hourly limit, the budget, the provider's quota); `rate-limited`:
 * the provider asks every sender to pause.
 */
export type EmailFate = { kind: 'done'; outcome: SendEmailOutcome } | { kind: 'wait'; until: number } | RateLimited;

const done = (outcome: SendEmailOutcome): EmailFate => ({ kind: 'done', outcome });

/** Deferred emails wake within this long after midnight UTC, spread out rather than all at once. */
const DEFERRED_WAKE_SPREAD_MS = 5 * 60_000;
/** How long an email waits while the provider's quota is spent and it is not deferred to tomorrow. */
const PROVIDER_QUOTA_WAIT_MS = 15 * 60_000;
/** What the operators are told becomes of the emails while the provider's quota is spent. */
const MEANWHILE = 'Emails wait until the provider accepts them again.';

/**
 * Emails one notification of a type emailed singly: `immediate` (critical, high priority) or
 * `normal` (within the daily budget); for a type that escalates, escalateAfterMinutes after the
 * notification, only if it is still unread (normal priority).
 * Effects: at most one email per notification, through the Mailer with the Idempotency-Key
 * `notification-email/<id>` and a byte-identical body on every attempt (rendered once, kept in
 * the delivery row: the job carries ids only); counted in the day's
 * quota (high priority: never refused; normal, when the budget is spent: folded into the user's
 * next digest when they have one, else deferred to the next UTC day, waiting until then);
 * the delivery log row ends sent, suppressed, folded or failed, or stays deferred until its day comes.
 * A transient provider failure throws a ProviderError (try again), a permanent one a PermanentProviderError.
 * Safe to run twice: the delivery row says "sent" after the first success, the quota reservation is
 * keyed by the email, and the provider drops a repeated Idempotency-Key.
 */
export async function sendNotificationEmail(
  deps: NotificationEmailDeps,
  reference: { notificationId: string; userId: string },
): Promise<EmailFate> {
  const { channel } = deps;
  const now = deps.now?.() ?? new Date();
  const connection = deps.orm.em.getConnection();
  const notification = await loadNotificationForEmail(connection, reference.notificationId);
  if (!notification || notification.user_id !== reference.userId) return done('gone');
  // The type's mode when the job runs (a type no longer emailed singly is treated as normal).
  const type = deps.types[notification.type];
  const priority = singleEmailPriority(type) ?? 'normal';

  const idempotencyKey = `notification-email/${notification.id}`;
  const delivery = await claimNotificationEmail<OutgoingEmail>(connection, {
    notificationId: notification.id,
    userId: notification.user_id,
    priority,
    idempotencyKey,
  });
  if (!delivery) throw new Error('send-email: the delivery row could not be written');
  if (delivery.status === 'sent') return done('already-sent');
  if (delivery.status === 'suppressed') return done('suppressed');
  if (delivery.status === 'folded') return done('folded');
  const suppress = async (reason: string, recipient: string | null = null) => {
    await markEmailSuppressed(connection, delivery.id, reason, recipient);
    return done('suppressed');
  };

  if (!notification.email_on) return suppress('email turned off in preferences');
  // An escalation (its job ran escalateAfterMinutes after the notification): seen in time, no email.
  if (type?.escalateAfterMinutes && notification.is_read) return suppress('read before the escalation email was due');
  const recipient = await channel.resolveRecipient(notification.user_id);
  if (!recipient) return suppress('no email address for this user');
  const blocked = await suppressionOf(connection, recipient.email);
  if (blocked) return suppress(`address suppressed after a ${blocked}`, recipient.email);

  const reservation = await channel.quota.reserve({
    emailKey: idempotencyKey,
    userId: notification.user_id,
    priority,
    recipients: 1,
    now,
  });
  // Over the user's hourly limit: wait for the window, without spending an attempt.
  if (reservation.outcome === 'user-limited') return { kind: 'wait', until: Date.now() + reservation.retryAfterSeconds * 1000 };
  const waiting = { id: delivery.id, recipient: recipient.email, hasDigest: notification.has_digest, now };
  if (reservation.outcome === 'budget-spent') return deferOrFold(deps, connection, waiting);
  await markEmailReserved(connection, delivery.id, utcDay(now), recipient.email);

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
  const email = delivery.content ?? (await keepRenderedEmail(connection, delivery.id, rendered));
  const outcome = await channel.mailer.send(email, idempotencyKey);
  if (outcome.kind === 'sent') {
    await markEmailSent(connection, delivery.id, outcome.providerId);
    deps.counters.increment('emails_sent', { kind: priority }).catch(() => undefined);
    return done('sent');
  }
  return handleFailure(deps, connection, outcome, { ...waiting, priority });
}

interface WaitingEmail {
  id: string;
  recipient: string;
  /** The user gets a digest (email on, digest daily or weekly): a deferred email folds into it. */
  hasDigest: boolean;
  now: Date;
}

/**
 * The budget is spent. With a digest, the email folds into the user's next digest (it is done);
 * without one, it waits for the next UTC day: the delivery row says so, and the email waits until then.
 */
async function deferOrFold(deps: NotificationEmailDeps, connection: SqlExecutor, email: WaitingEmail): Promise<EmailFate> {
  deps.counters.increment('emails_deferred', { at: email.now }).catch(() => undefined);
  if (email.hasDigest) {
    await markEmailFolded(connection, email.id, email.recipient);
    return done('folded');
  }
  const wakeAt = nextUtcMidnight(email.now).getTime() + Math.floor(Math.random() * DEFERRED_WAKE_SPREAD_MS);
  await markEmailDeferred(connection, email.id, new Date(wakeAt), email.recipient);
  return { kind: 'wait', until: wakeAt };
}

async function handleFailure(
  deps: NotificationEmailDeps,
  connection: SqlExecutor,
  outcome: FailedSend,
  delivery: WaitingEmail & { priority: 'high' | 'normal' },
): Promise<EmailFate> {
  const { alerter } = deps.channel;
  await recordFailedEmailAttempt(connection, delivery.id, failureSummary(outcome), outcome.kind === 'permanent');
  switch (outcome.kind) {
    case 'rate-limited':
      return rateLimited(outcome);
    case 'quota-exhausted':
      // The provider's count is the one that matters: our budget is closed for the day as well.
      if (outcome.scope === 'daily') await deps.channel.quota.lockUntilNextDay(delivery.now);
      if (outcome.scope === 'daily' && delivery.priority === 'normal') return deferOrFold(deps, connection, delivery);
      alertProviderFailure(alerter, outcome, MEANWHILE);
      return { kind: 'wait', until: Date.now() + PROVIDER_QUOTA_WAIT_MS };
    case 'permanent':
      alertProviderFailure(alerter, outcome, MEANWHILE);
      deps.counters.increment('emails_failed', { kind: delivery.priority }).catch(() => undefined);
      throw providerError(outcome);
    case 'transient':
      throw providerError(outcome);
  }
}
