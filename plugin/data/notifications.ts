// tresta_notifications: statements of the digest, email and maintenance jobs
import type { NotificationAction } from '../db/entities/index.js';
import { affectedRows, type SqlExecutor } from './executor.js';
import { EMAIL_ON } from './preferences.js';

/** A notification as its email needs it, with whether its owner gets it by email and has a digest. */
export interface NotificationForEmail {
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
}

const LOAD_FOR_EMAIL = `
  select n.id, n.user_id, n.type, n.title, n.message, n.link, n.created_at, n.actions, n.required, n.is_read,
         ${EMAIL_ON} as email_on, coalesce(p.digest, 'daily') <> 'off' as has_digest
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where n.id = ?`;

export async function loadNotificationForEmail(
  db: SqlExecutor,
  notificationId: string,
): Promise<NotificationForEmail | undefined> {
  const [notification] = await db.execute<NotificationForEmail[]>(LOAD_FOR_EMAIL, [notificationId]);
  return notification;
}

/**
 * Which notifications a digest may take: not taken by a digest yet, of a digest type or an email
 * folded into the digest when the budget was spent, with email on for the user and the type.
 * Over a notification `n` and its owner's preferences `p`.
 */
// The folded ones as one hashed set (`in`, not a correlated `exists`): with 500,000 notifications
// and 150,000 deliveries the candidates query takes ~0.1 s this way, over 1 s the other.
const DIGESTIBLE = `n.digest_run_id is null and ${EMAIL_ON}
  and (n.type in (select jsonb_array_elements_text(?::jsonb))
       or n.id in (select f.notification_id from tresta_email_deliveries f where f.status = 'folded'))`;

/** A user with notifications a digest may take, and their digest schedule. */
export interface DigestCandidate {
  user_id: string;
  frequency: 'daily' | 'weekly';
  time_zone: string;
  digest_hour: number;
  notification_count: number;
}

// Users with a notification no digest has taken yet, and their digest schedule. Whatever was
// never sent (a missed day, a carried user) is still untaken, so it stays in.
const CANDIDATES = `
  select n.user_id, coalesce(p.digest, 'daily') as frequency, coalesce(p.time_zone, 'UTC') as time_zone,
         coalesce(p.digest_hour, 9) as digest_hour, count(*)::int as notification_count
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where ${DIGESTIBLE} and coalesce(p.digest, 'daily') in ('daily', 'weekly')
  group by n.user_id, p.digest, p.time_zone, p.digest_hour
  order by n.user_id`;

export async function digestCandidates(db: SqlExecutor, digestTypes: string[]): Promise<DigestCandidate[]> {
  return db.execute<DigestCandidate[]>(CANDIDATES, [JSON.stringify(digestTypes)]);
}

// Each digest takes every notification it may, by id: one committed after this statement (a
// slow transaction) is not seen, so it stays for the next digest; none is taken twice.
const TAKE = `
  update tresta_notifications n set digest_run_id = r.id
  from jsonb_to_recordset(?::jsonb) as r(id uuid, user_id text)
  left join tresta_notification_preferences p on p.user_id = r.user_id
  where n.user_id = r.user_id and ${DIGESTIBLE}`;

export async function takeForDigests(
  db: SqlExecutor,
  digests: Array<{ id: string; userId: string }>,
  digestTypes: string[],
): Promise<void> {
  await db.execute(
    TAKE,
    [JSON.stringify(digests.map((digest) => ({ id: digest.id, user_id: digest.userId }))), JSON.stringify(digestTypes)],
    'run',
  );
}

/** One notification a digest took, with how many that digest took in all. */
export interface TakenNotification {
  digest_run_id: string;
  title: string;
  message: string;
  link: string | null;
  total: number;
}

// What each digest took, newest first, the first `listLimit` of them with the total.
const takenStatement = (listLimit: number) => `
  select digest_run_id, title, message, link, total from (
    select n.digest_run_id, n.title, n.message, n.link,
           row_number() over (partition by n.digest_run_id order by n.created_at desc, n.id desc) as position,
           count(*) over (partition by n.digest_run_id)::int as total
    from tresta_notifications n
    where n.digest_run_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))
  ) listed
  where position <= ${listLimit}
  order by digest_run_id, position`;

export async function takenByDigests(db: SqlExecutor, digestRunIds: string[], listLimit: number): Promise<TakenNotification[]> {
  return db.execute<TakenNotification[]>(takenStatement(listLimit), [JSON.stringify(digestRunIds)]);
}

/**
 * A digest gives its notifications back (the next digest takes them): the part of the statement
 * that carries a digest over, which runs with the changes to its other rows.
 */
export const RELEASE_FROM_DIGEST = 'update tresta_notifications set digest_run_id = null where digest_run_id = ?';

/** Where the re-drive sweeper looks, a page at a time, oldest first. */
export interface RedrivePage {
  /** Younger rows may still be on their way through the normal path. */
  settled: string;
  /** How far back lost work is looked for. */
  oldest: string;
  /** The last row of the previous page (created_at, id). */
  after: { createdAt: string; id: string };
  limit: number;
}

// Handed to the queue (no pending outbox row) but never delivered; a page at a time, oldest first.
const UNDELIVERED = `
  select n.id, n.user_id, n.created_at from tresta_notifications n
  where n.delivered_at is null and n.created_at < ?::timestamptz and n.created_at >= ?::timestamptz
    and (n.created_at, n.id) > (?::timestamptz, ?::uuid)
    and not exists (select 1 from tresta_outbox o where o.notification_id = n.id and o.status = 'pending')
  order by n.created_at, n.id
  limit ?`;

/** A notification the sweeper found: whose, and its place in the pages (created_at, id). */
export interface SweptNotification {
  id: string;
  user_id: string;
  created_at: Date;
}

export async function undeliveredPage(db: SqlExecutor, page: RedrivePage): Promise<SweptNotification[]> {
  return db.execute<SweptNotification[]>(UNDELIVERED, [
    page.settled,
    page.oldest,
    page.after.createdAt,
    page.after.id,
    page.limit,
  ]);
}

// Delivered (so their send-email job was enqueued) but their email never reached a final state,
// and not given up on: either no delivery row yet or one still pending. A page at a time.
const EMAILS_UNFINISHED = `
  select n.id, n.user_id, n.type, n.created_at from tresta_notifications n
  left join tresta_email_deliveries d on d.notification_id = n.id and d.channel = 'email'
  where n.delivered_at is not null and n.created_at < ?::timestamptz and n.created_at >= ?::timestamptz
    and (n.created_at, n.id) > (?::timestamptz, ?::uuid)
    and n.type in (select jsonb_array_elements_text(?::jsonb))
    and (d.id is null or d.status = 'pending')
    and not exists (select 1 from tresta_dead_letters l where l.job_id = 'email-' || n.id::text and l.requeued_at is null)
  order by n.created_at, n.id
  limit ?`;

/** Notifications of these types (emailed singly) whose email is unfinished. */
export async function unfinishedEmailsPage(
  db: SqlExecutor,
  page: RedrivePage,
  types: string[],
): Promise<Array<SweptNotification & { type: string }>> {
  return db.execute<Array<SweptNotification & { type: string }>>(EMAILS_UNFINISHED, [
    page.settled,
    page.oldest,
    page.after.createdAt,
    page.after.id,
    JSON.stringify(types),
    page.limit,
  ]);
}

const DELETE_READ = `
    delete from tresta_notifications where id in (
      select id from tresta_notifications where created_at < ?::timestamptz and is_read limit ?)`;

/** One batch of read notifications created before the cutoff: how many were deleted. */
export async function deleteReadNotifications(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_READ, [cutoff, batchSize]);
}
