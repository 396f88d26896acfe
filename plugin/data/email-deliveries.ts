import type { EmailDeliveryStatus, EmailPriority } from '../db/entities/index.js';
import { DIGEST_CARRIED, DIGEST_FAILED, DIGEST_SENT } from './digest-runs.js';
import { affectedRows, type SqlExecutor } from './executor.js';
import { RELEASE_FROM_DIGEST } from './notifications.js';

// The delivery log. `Email`, where a function has it, is the type of the rendered email a row
// keeps (its `content`): every attempt sends those bytes.

/** A notification's email row as an attempt finds it: its status, and the bytes a first attempt kept. */
export interface ClaimedDelivery<Email> {
  id: string;
  status: EmailDeliveryStatus;
  content: Email | null;
}

// One row per email, created by the first attempt; later attempts find it and its status.
const CLAIM = `
  insert into tresta_email_deliveries (id, notification_id, user_id, channel, priority, status, idempotency_key)
  values (gen_random_uuid(), ?, ?, 'email', ?, 'pending', ?)
  on conflict (notification_id, channel) do update set updated_at = now()
  returning id, status, content`;

export async function claimNotificationEmail<Email>(
  db: SqlExecutor,
  email: { notificationId: string; userId: string; priority: EmailPriority; idempotencyKey: string },
): Promise<ClaimedDelivery<Email> | undefined> {
  const [delivery] = await db.execute<Array<ClaimedDelivery<Email>>>(CLAIM, [
    email.notificationId,
    email.userId,
    email.priority,
    email.idempotencyKey,
  ]);
  return delivery;
}

// The first attempt's rendering is kept: every later attempt sends exactly these bytes.
const KEEP_RENDERED = `
  update tresta_email_deliveries set content = coalesce(content, ?::json) where id = ? returning content`;

/** Stores the rendered email in its delivery row, unless an earlier attempt did: answers the stored one. */
export async function keepRenderedEmail<Email>(db: SqlExecutor, deliveryId: string, email: Email): Promise<Email> {
  const [row] = await db.execute<Array<{ content: Email }>>(KEEP_RENDERED, [JSON.stringify(email), deliveryId]);
  return row?.content ?? email;
}

// The budget is spent: the email waits for the next UTC day, kept (never dropped) and counted nowhere.
const DEFER = `
  update tresta_email_deliveries
  set status = 'deferred', deferred_until = ?, quota_date = null, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

export async function markEmailDeferred(db: SqlExecutor, deliveryId: string, until: Date, recipient: string): Promise<void> {
  await db.execute(DEFER, [until, recipient, deliveryId], 'run');
}

// The budget is spent and the user has a digest: the notification goes in their next digest
// instead (the digest takes it), never as an email of its own.
const FOLD = `
  update tresta_email_deliveries
  set status = 'folded', deferred_until = null, quota_date = null, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

export async function markEmailFolded(db: SqlExecutor, deliveryId: string, recipient: string): Promise<void> {
  await db.execute(FOLD, [recipient, deliveryId], 'run');
}

// Reserved in the day's budget: the row counts for that day (the source for rebuilding the counter).
const RESERVED = `
  update tresta_email_deliveries
  set status = 'pending', deferred_until = null, quota_date = ?::date, recipient = ?, updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

export async function markEmailReserved(
  db: SqlExecutor,
  deliveryId: string,
  quotaDate: string,
  recipient: string,
): Promise<void> {
  await db.execute(RESERVED, [quotaDate, recipient, deliveryId], 'run');
}

const SUPPRESS = `
  update tresta_email_deliveries
  set status = 'suppressed', last_error = ?, recipient = coalesce(?, recipient), updated_at = now()
  where id = ? and status not in ('sent', 'suppressed')`;

/** Why the email is not sent; the recipient when one was known by then. */
export async function markEmailSuppressed(
  db: SqlExecutor,
  deliveryId: string,
  reason: string,
  recipient: string | null,
): Promise<void> {
  await db.execute(SUPPRESS, [reason, recipient, deliveryId], 'run');
}

const SENT = `update tresta_email_deliveries
       set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, attempts = attempts + 1, updated_at = now()
       where id = ?`;

export async function markEmailSent(db: SqlExecutor, deliveryId: string, providerMessageId: string): Promise<void> {
  await db.execute(SENT, [providerMessageId, deliveryId], 'run');
}

// One statement records the attempt; only a permanent refusal ends the delivery as failed.
const FAILED_ATTEMPT = `update tresta_email_deliveries
     set attempts = attempts + 1, last_error = ?, status = case when ? then 'failed' else status end, updated_at = now()
     where id = ? and status not in ('sent', 'suppressed')`;

export async function recordFailedEmailAttempt(
  db: SqlExecutor,
  deliveryId: string,
  error: string,
  failedForGood: boolean,
): Promise<void> {
  await db.execute(FAILED_ATTEMPT, [error, failedForGood, deliveryId], 'run');
}

// Digests rendered by an earlier attempt: their bytes are kept, never rendered again.
const RENDERED_DIGESTS = `
  select digest_run_id from tresta_email_deliveries
  where digest_run_id in (select value::uuid from jsonb_array_elements_text(?::jsonb)) and content is not null`;

/** Those of these digests whose email is rendered already. */
export async function renderedDigests(db: SqlExecutor, digestRunIds: string[]): Promise<string[]> {
  const rows = await db.execute<Array<{ digest_run_id: string }>>(RENDERED_DIGESTS, [JSON.stringify(digestRunIds)]);
  return rows.map((row) => row.digest_run_id);
}

/** A digest's rendered email, for its delivery log row. */
export interface DigestDelivery {
  digestRunId: string;
  userId: string;
  recipient: string;
  idempotencyKey: string;
  content: unknown;
}

// The delivery log row of each digest, with its bytes: the sender reads them, the quota guard
// rebuilds its count from the row's quota date.
const LOG_DIGESTS = `
  insert into tresta_email_deliveries (id, digest_run_id, user_id, channel, recipient, priority, status, idempotency_key, quota_date, content)
  select gen_random_uuid(), r.digest_run_id, r.user_id, 'email', r.recipient, 'normal', 'pending', r.idempotency_key, ?::date, r.content
  from jsonb_to_recordset(?::jsonb) as r(digest_run_id uuid, user_id text, recipient text, idempotency_key text, content json)
  on conflict (idempotency_key) do nothing`;

/** The digests' rows, counted in the budget of `quotaDate`; a digest that has its row keeps it. */
export async function logDigestDeliveries(db: SqlExecutor, quotaDate: string, digests: DigestDelivery[]): Promise<void> {
  const rows = digests.map((digest) => ({
    digest_run_id: digest.digestRunId,
    user_id: digest.userId,
    recipient: digest.recipient,
    idempotency_key: digest.idempotencyKey,
    content: digest.content,
  }));
  await db.execute(LOG_DIGESTS, [quotaDate, JSON.stringify(rows)], 'run');
}

/** A digest's email, by the digest's id and the email's idempotency key. */
export interface DigestEmail {
  digestRunId: string;
  idempotencyKey: string;
}

// The digest and its delivery log row end together.
const DIGEST_EMAIL_SENT = `
  with digest as (${DIGEST_SENT})
  update tresta_email_deliveries
  set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, attempts = attempts + 1, updated_at = now()
  where idempotency_key = ?`;

export async function markDigestEmailSent(db: SqlExecutor, digest: DigestEmail, providerMessageId: string): Promise<void> {
  await db.execute(DIGEST_EMAIL_SENT, [digest.digestRunId, providerMessageId, digest.idempotencyKey], 'run');
}

const DIGEST_ATTEMPT = `
  update tresta_email_deliveries set attempts = attempts + 1, last_error = ?, updated_at = now()
  where idempotency_key = ? and status = 'pending'`;

export async function recordFailedDigestAttempt(db: SqlExecutor, digest: DigestEmail, error: string): Promise<void> {
  await db.execute(DIGEST_ATTEMPT, [error, digest.idempotencyKey], 'run');
}

const DIGEST_EMAIL_FAILED = `
  with digest as (${DIGEST_FAILED})
  update tresta_email_deliveries set status = 'failed', updated_at = now() where idempotency_key = ? and status = 'pending'`;

export async function markDigestEmailFailed(db: SqlExecutor, digest: DigestEmail): Promise<void> {
  await db.execute(DIGEST_EMAIL_FAILED, [digest.digestRunId, digest.idempotencyKey], 'run');
}

// The provider's daily quota is spent: the digest goes with the next run. Its notifications are
// released (the next digest takes them, with whatever came since) and its log row, never sent
// nor counted, makes way for the next one.
const DIGEST_EMAIL_CARRIED = `
  with digest as (${DIGEST_CARRIED}),
  released as (${RELEASE_FROM_DIGEST})
  delete from tresta_email_deliveries where idempotency_key = ? and status = 'pending'`;

export async function carryDigestEmail(db: SqlExecutor, digest: DigestEmail): Promise<void> {
  await db.execute(DIGEST_EMAIL_CARRIED, [digest.digestRunId, digest.digestRunId, digest.idempotencyKey], 'run');
}

// The day's emails by the delivery log. sent: counted in that day's budget and sent. failed:
// refused for good, last touched that day. deferred: waiting at snapshot time for the next day
// (deferred_until is the next UTC midnight), which is what the 23:59 run sees.
const COUNT_DAY = `
  select
    count(*) filter (where status = 'sent' and quota_date = ?::date)::int as sent,
    count(*) filter (where status = 'deferred' and deferred_until > ?::timestamptz and deferred_until <= ?::timestamptz)::int as deferred,
    count(*) filter (where status = 'failed' and updated_at >= ?::timestamptz and updated_at < ?::timestamptz)::int as failed
  from tresta_email_deliveries
  where quota_date = ?::date or status in ('deferred', 'failed')`;

/** A UTC day (`date`, from `dayStart` to `dayEnd`) by the delivery log. */
export async function countDay(
  db: SqlExecutor,
  day: { date: string; dayStart: string; dayEnd: string },
): Promise<{ sent: number; deferred: number; failed: number } | undefined> {
  const [counts] = await db.execute<Array<{ sent: number; deferred: number; failed: number }>>(COUNT_DAY, [
    day.date,
    day.dayStart,
    day.dayEnd,
    day.dayStart,
    day.dayEnd,
    day.date,
  ]);
  return counts;
}

// Emails that took a place in a day's budget, by the delivery log: the source of truth when
// Redis has lost the day's counter.
const COUNTED_IN_BUDGET = `
  select coalesce(sum(recipients), 0)::int as total
  from tresta_email_deliveries
  where quota_date = ?::date and status in ('pending', 'sent')`;

export async function countedInBudget(db: SqlExecutor, day: string): Promise<number> {
  const [row] = await db.execute<Array<{ total: number }>>(COUNTED_IN_BUDGET, [day]);
  return row?.total ?? 0;
}

const DEFERRED_DUE = `
  select notification_id, user_id from tresta_email_deliveries
  where status = 'deferred' and deferred_until <= ?::timestamptz and notification_id is not null`;

/** Deferred emails whose day has come by `now`. */
export async function deferredEmailsDue(
  db: SqlExecutor,
  now: string,
): Promise<Array<{ notification_id: string; user_id: string }>> {
  return db.execute<Array<{ notification_id: string; user_id: string }>>(DEFERRED_DUE, [now]);
}

// The delivery's latest state from the provider; an older event arriving late never overwrites a newer one.
const PROVIDER_EVENT = `
  update tresta_email_deliveries
  set provider_event = ?, provider_event_at = ?, updated_at = now()
  where provider_message_id = ? and (provider_event_at is null or provider_event_at <= ?)`;

export async function recordProviderEvent(
  db: SqlExecutor,
  providerMessageId: string,
  event: { state: string; at: Date },
): Promise<void> {
  await db.execute(PROVIDER_EVENT, [event.state, event.at, providerMessageId, event.at], 'run');
}

const DELETE_FINISHED = `
    delete from tresta_email_deliveries where id in (
      select id from tresta_email_deliveries
      where status in ('sent', 'suppressed', 'folded', 'failed') and created_at < ?::timestamptz limit ?)`;

/** One batch of rows in a final state made before the cutoff: how many were deleted. */
export async function deleteFinishedDeliveries(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_FINISHED, [cutoff, batchSize]);
}
