import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema, type Notification } from '../db/entities/index.js';
import type { ListStatus, NotificationContent, NotificationView, Severity } from '../contract/index.js';
import { keysetBefore, type ListPosition } from './keyset.js';
import { QUEUE_BATCH, type RedrivePage, type SweptNotification } from './outbox.js';
import { DELIVERY_COLUMNS, notificationColumns } from './notification-columns.js';
import { EMAIL_ON, PUSH_ON } from './preference-columns.js';
import type { SqlExecutor } from './executor.js';
import { executeNamed } from './prepared.js';

// Every statement on tresta_notifications, and every use of its entity.

/**
 * Grouping: notifications of one user, one type and one host-given `groupKey` collapse into one
 * inbox row while they arrive within GROUP_WINDOW_MINUTES of the group's first notification. The
 * window is fixed from the first one, so a steady trickle starts a new row every hour rather than
 * growing one row for ever. A group is named by its first notification's id (`group_id`).
 */
export const GROUP_WINDOW_MINUTES = 60;

/**
 * The open group a batch row `b` joins: the newest group of its user, type and key whose first
 * notification is less than the window older than `b`; else the row's own guess (itself, or the
 * first row of the batch with the same user, type and key). Reads tresta_notifications_group_key_idx.
 */
const OPEN_GROUP = `coalesce((
    select g.id from tresta_notifications g
    where g.user_id = b.user_id and g.type = b.type and g.group_key = b.group_key and g.id = g.group_id
      and g.created_at > b.created_at - interval '${GROUP_WINDOW_MINUTES} minutes' and g.created_at <= b.created_at
    order by g.created_at desc limit 1
  ), b.group_id)`;

/** The fields stored under the same name in the entity and in a row. */
const SAME_NAMED = ['id', 'type', 'title', 'message', 'link', 'metadata', 'category', 'severity', 'required', 'actions'] as const;

/** A notification row as raw SQL returns it, through notificationColumns(). */
export interface NotificationRow extends Pick<NotificationView, (typeof SAME_NAMED)[number]> {
  is_read: boolean;
  read_at: string | null;
  is_archived: boolean;
  archived_at: string | null;
  group_key: string | null;
  group_id: string | null;
  created_at: string;
  /** Only on list pages, where a group collapses into one row. */
  group_count?: number;
  group_unread_count?: number;
}

/** An entity as the row its columns hold (snake_case names, ISO dates), with its owner. */
export function storedRow(entity: Notification): NotificationRow & { user_id: string } {
  const sameNamed = Object.fromEntries(SAME_NAMED.map((key) => [key, entity[key]])) as Pick<
    NotificationRow,
    (typeof SAME_NAMED)[number]
  >;
  return {
    ...sameNamed,
    user_id: entity.userId,
    is_read: entity.isRead,
    read_at: entity.readAt?.toISOString() ?? null,
    is_archived: entity.isArchived,
    archived_at: entity.archivedAt?.toISOString() ?? null,
    group_key: entity.groupKey,
    group_id: entity.groupId,
    created_at: entity.createdAt.toISOString(),
  };
}

// One statement writes the whole batch and its outbox rows, each grouped row joining its open group
// (see GROUP_WINDOW_MINUTES): a single statement is atomic by itself, so no BEGIN/COMMIT round trips
// are needed, and inside the caller's transaction it simply joins it (`em.execute` runs in the em's
// transaction context). The batch travels as one JSON parameter, so its size never changes the
// statement count.
const INSERT_WITH_OUTBOX = `
  with batch as (
    select * from jsonb_to_recordset(?::jsonb) as r(id uuid, outbox_id uuid, user_id text, type text, title text,
                                                   message text, link text, metadata jsonb, category text,
                                                   severity text, required boolean, actions jsonb, group_key text,
                                                   group_id uuid, created_at timestamptz)
  ), grouped as (
    select b.*, case when b.group_key is null then null else ${OPEN_GROUP} end as open_group_id from batch b
  ), written as (
    insert into tresta_notifications (id, user_id, type, title, message, link, metadata, category, severity, required,
                                      actions, group_key, group_id, created_at)
    select id, user_id, type, title, message, link, metadata, category, severity, required, actions, group_key,
           open_group_id, created_at
    from grouped
    returning id, group_id
  ), queued as (
    ${QUEUE_BATCH}
  )
  select id, group_id from written`;

/**
 * Writes validated notifications and their outbox rows in one statement, each row with a group key
 * joining its open group when one exists; answers the group each row ended in.
 */
export async function insertWithOutbox(
  em: EntityManager,
  rows: readonly Notification[],
): Promise<Array<{ id: string; group_id: string | null }>> {
  // The statement's record type reads the columns it names and ignores the rest.
  const batch = rows.map((row) => ({ ...storedRow(row), outbox_id: randomUUID() }));
  return em.execute<Array<{ id: string; group_id: string | null }>>(INSERT_WITH_OUTBOX, [JSON.stringify(batch)], 'all');
}

// The badge polls this on every page of the host app: one statement on the partial unread index
// (archived notifications have left the inbox and the count), no entity hydration.
const COUNT_UNREAD = `select count(*)::int as count from tresta_notifications
  where user_id = ? and is_read = false and is_archived = false`;
const COUNT_UNREAD_IN_CATEGORY = `${COUNT_UNREAD} and category = ?`;

/** The statement countUnread runs, with its bind values. */
export function countUnreadStatement(query: { userId: string; category?: string }): { sql: string; values: string[] } {
  return query.category === undefined
    ? { sql: COUNT_UNREAD, values: [query.userId] }
    : { sql: COUNT_UNREAD_IN_CATEGORY, values: [query.userId, query.category] };
}

/** Unread notifications in the inbox, every one counted (a collapsed group counts each of its notifications). */
export async function countUnread(em: EntityManager, query: { userId: string; category?: string }): Promise<number> {
  const { sql, values } = countUnreadStatement(query);
  const [row] = await executeNamed<{ count: number }>(em, 'count_unread', sql, values);
  return row?.count ?? 0;
}

/** Marks every unread notification of the user read; answers how many changed. */
export async function markAllRead(em: EntityManager, input: { userId: string; now?: Date }): Promise<number> {
  return em.nativeUpdate(
    NotificationSchema,
    { userId: input.userId, isRead: false },
    { isRead: true, readAt: input.now ?? new Date() },
  );
}

/** Archives every read notification of the user still in the inbox; answers how many changed. */
export async function archiveRead(em: EntityManager, input: { userId: string; now?: Date }): Promise<number> {
  return em.nativeUpdate(
    NotificationSchema,
    { userId: input.userId, isRead: true, isArchived: false },
    { isArchived: true, archivedAt: input.now ?? new Date() },
  );
}

/**
 * Sets one of the user's notifications read or unread, archived or not, with the time of each
 * change; answers the row as it is now. The owner is part of the update's condition, so another
 * user's id changes nothing and answers null.
 */
export async function updateFlags(
  em: EntityManager,
  input: { userId: string; id: string; change: { isRead?: boolean; isArchived?: boolean }; now: Date },
): Promise<Notification | null> {
  const { now } = input;
  const { isRead, isArchived } = input.change;
  const [row] = await em
    .createQueryBuilder(NotificationSchema)
    .update({
      ...(isRead === undefined ? {} : { isRead, readAt: isRead ? now : null }),
      ...(isArchived === undefined ? {} : { isArchived, archivedAt: isArchived ? now : null }),
    })
    .where({ id: input.id, userId: input.userId })
    .returning('*')
    .execute<Array<Record<string, unknown>>>('all', false);
  return row ? (em.map(NotificationSchema, row) as Notification) : null;
}

/** Which of a user's notifications a list shows. */
export interface NotificationFilter {
  userId: string;
  status?: ListStatus;
  /** Unread only, within the status (the list's original parameter). */
  unreadOnly?: boolean;
  category?: string;
  type?: string;
  /** Words the title or the message must hold, as a tsquery of the 'simple' configuration. */
  search?: string | null;
  /** One group's notifications, each on its own row (a collapsed row expanded). */
  groupId?: string;
}

// Fixed text per status: the only part of a condition that is not a bind value.
const STATUS_CONDITION: Record<ListStatus, (alias: string) => string> = {
  all: (a) => `${a}.is_archived = false`,
  unread: (a) => `${a}.is_archived = false and ${a}.is_read = false`,
  read: (a) => `${a}.is_archived = false and ${a}.is_read = true`,
  archived: (a) => `${a}.is_archived = true`,
};

/** The indexed document of a notification `alias` (tresta_notifications_search_idx, same expression). */
const searchDocument = (alias: string) => `to_tsvector('simple', ${alias}.title || ' ' || ${alias}.message)`;

/** The filter's conditions over a notification `alias`, with their bind values in order. */
function filters(filter: NotificationFilter, alias: string): { sql: string; values: unknown[] } {
  const conditions = [`${alias}.user_id = ?`, STATUS_CONDITION[filter.status ?? 'all'](alias)];
  const values: unknown[] = [filter.userId];
  if (filter.unreadOnly) conditions.push(`${alias}.is_read = false`);
  if (filter.category !== undefined) {
    conditions.push(`${alias}.category = ?`);
    values.push(filter.category);
  }
  if (filter.type !== undefined) {
    conditions.push(`${alias}.type = ?`);
    values.push(filter.type);
  }
  if (typeof filter.search === 'string') {
    conditions.push(`${searchDocument(alias)} @@ to_tsquery('simple', ?)`);
    values.push(filter.search);
  }
  if (filter.groupId !== undefined) {
    conditions.push(`${alias}.group_id = ?`);
    values.push(filter.groupId);
  }
  return { sql: conditions.join(' and '), values };
}

/**
 * The statement of a list page: a user's notifications, newest first, up to `limit` rows after a
 * position (or from the newest). Keyset pagination over (createdAt, id): rows with equal timestamps
 * are ordered by id, so walking the pages returns every row once. The order is the one of
 * tresta_notifications_user_id_created_at_id_idx, which hands the rows over already sorted from the
 * position on: a page reads its own rows, whatever the user's total.
 *
 * A group collapses into one row: its newest notification that matches the filters, standing for
 * every one that does (their count on the row). A row is that newest one exactly when no newer
 * member matches, so each group is one position in the keyset order and the walk stays exact.
 * Filtering on one group (`groupId`) lists its members one by one.
 */
export function listPageStatement(
  filter: NotificationFilter,
  range: { after: ListPosition | null; limit: number },
): { sql: string; values: unknown[] } {
  const page = filters(filter, 'n');
  const member = filters(filter, 'm');
  const after = keysetBefore('n', range.after);
  const collapse = filter.groupId === undefined;
  // One statement: the page, then each collapsed row's counts, for those rows only.
  const sql = `
    select page.*${
      collapse
        ? `, coalesce(counts.total, 1) as group_count,
           coalesce(counts.unread, case when page.is_read then 0 else 1 end) as group_unread_count`
        : ''
    }
    from (
      select ${notificationColumns('n')}, n.created_at as position_at
      from tresta_notifications n
      where ${page.sql} ${after.sql}
        ${
          collapse
            ? `and (n.group_id is null or not exists (
                 select 1 from tresta_notifications m
                 where m.group_id = n.group_id and ${member.sql} and (m.created_at, m.id) > (n.created_at, n.id)))`
            : ''
        }
      order by n.created_at desc, n.id desc
      limit ?
    ) page
    ${
      collapse
        ? `left join lateral (
             select count(*)::int as total, (count(*) filter (where m.is_read = false))::int as unread
             from tresta_notifications m
             where m.group_id = page.group_id and ${member.sql}
           ) counts on page.group_id is not null`
        : ''
    }
    order by page.position_at desc, page.id desc`;
  const values = [
    ...page.values,
    ...after.values,
    ...(collapse ? member.values : []),
    range.limit,
    ...(collapse ? member.values : []),
  ];
  return { sql, values };
}

/**
 * A list page (see listPageStatement), as a named statement: each filter's shape and the first or
 * a later page is a text of its own. A search runs unnamed: how many rows its words match decides
 * its plan, which a kept plan made without the words could not know.
 */
export async function listPage(
  em: EntityManager,
  filter: NotificationFilter,
  range: { after: ListPosition | null; limit: number },
): Promise<NotificationRow[]> {
  const { sql, values } = listPageStatement(filter, range);
  if (typeof filter.search === 'string') return em.getConnection().execute<NotificationRow[]>(sql, values);
  return executeNamed<NotificationRow>(em, 'list', sql, values);
}

// Notifications with their owners' preferences, for many deliver-notification jobs in one round
// trip (the relay's claim reads the same columns for the rows it claims). Timestamps leave
// Postgres in the API's ISO form.
const LOAD_FOR_DELIVERY = `
  select ${DELIVERY_COLUMNS}
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where n.id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

/** A notification to deliver, with its owner and the channels its owner's preferences leave on. */
export interface DeliveryRow extends NotificationRow {
  user_id: string;
  in_app: boolean;
  email_on: boolean;
  push_on: boolean;
}

/** The notifications of these ids that still exist, in no particular order. */
export async function loadForDelivery(em: EntityManager, ids: readonly string[]): Promise<DeliveryRow[]> {
  return em.getConnection().execute<DeliveryRow[]>(LOAD_FOR_DELIVERY, [JSON.stringify(ids)]);
}

const LOAD_FOR_PUSH = `
  select n.id, n.user_id, n.type, n.title, n.message, n.link, n.severity, n.actions, n.created_at, ${PUSH_ON} as push_on
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  where n.id = ?`;

/** What a push shows of a notification, with its owner and whether their preferences leave push on. */
export interface PushNotificationRow extends NotificationContent {
  user_id: string;
  severity: Severity;
  created_at: Date;
  push_on: boolean;
}

export async function loadForPush(em: EntityManager, id: string): Promise<PushNotificationRow | null> {
  const [row] = await em.getConnection().execute<PushNotificationRow[]>(LOAD_FOR_PUSH, [id]);
  return row ?? null;
}

/** A notification as its email needs it, with whether its owner gets it by email and has a digest. */
export interface NotificationForEmail extends NotificationContent {
  user_id: string;
  created_at: Date;
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

// Routed (no outbox row still pending or queued: whatever send-email job the type and preferences
// called for was enqueued) but their email never reached a final state, and not given up on: either
// no delivery row yet or one still pending. A page at a time.
const EMAILS_UNFINISHED = `
  select n.id, n.user_id, n.type, n.created_at from tresta_notifications n
  left join tresta_email_deliveries d on d.notification_id = n.id and d.channel = 'email'
  where n.created_at < ?::timestamptz and n.created_at >= ?::timestamptz
    and (n.created_at, n.id) > (?::timestamptz, ?::uuid)
    and n.type in (select jsonb_array_elements_text(?::jsonb))
    and (d.id is null or d.status = 'pending')
    and not exists (select 1 from tresta_outbox o where o.notification_id = n.id and o.status <> 'published')
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

// Answers whose notifications went: their unread counts are dropped from the cache. A row read when
// the inner select ran but marked unread before the delete reached it is still deleted, so even a
// delete of read notifications can change an unread count.
const DELETE_READ = `
    with deleted as (
      delete from tresta_notifications where id in (
        select id from tresta_notifications where created_at < ?::timestamptz and is_read limit ?)
      returning user_id)
    select user_id, count(*)::int as deleted from deleted group by user_id`;

/** One batch of read notifications created before the cutoff: how many were deleted, and whose. */
export async function deleteReadNotifications(
  db: SqlExecutor,
  cutoff: string,
  batchSize: number,
): Promise<{ deleted: number; userIds: string[] }> {
  const rows = await db.execute<Array<{ user_id: string; deleted: number }>>(DELETE_READ, [cutoff, batchSize]);
  return { deleted: rows.reduce((sum, row) => sum + row.deleted, 0), userIds: rows.map((row) => row.user_id) };
}
