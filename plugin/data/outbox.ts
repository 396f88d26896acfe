import type { EntityManager } from '@mikro-orm/postgresql';
import { affectedRows, type SqlExecutor } from './executor.js';
import { DELIVERY_COLUMNS } from './notification-columns.js';
import type { DeliveryRow } from './notifications.js';
import { executeNamed } from './prepared.js';

// Every statement on tresta_outbox: a notification's hand-off from its transaction to delivery.
// A row is `pending` until a relay claims it, publishes it in real time and marks it: `published`
// when that was all its delivery needed, `queued` while a deliver-notification job still has work
// for it (its email or push, or an Ably publish to retry); the job marks it `published` when done.
// The re-drive sweeper (jobs/scheduled/redrive.ts) reads `queued` rows older than a job should take.

/** The channel the outbox relay LISTENs on: a NOTIFY there says new rows are pending. */
export const OUTBOX_CHANNEL = 'tresta_outbox';

/**
 * The outbox rows of a batch of new notifications, as the body of a data-modifying CTE over a
 * `batch` of (outbox_id, id, user_id, created_at): the notification and its outbox row are then
 * written by one statement.
 */
export const QUEUE_BATCH = `insert into tresta_outbox (id, notification_id, user_id, created_at)
    select outbox_id, id, user_id, created_at from batch`;

// A hint to the outbox relay (the poll is the floor): see plugin/jobs/outbox-relay.ts.
const WAKE_RELAY = `select pg_notify('${OUTBOX_CHANNEL}', '')`;

// Claims a batch of pending rows nobody holds (or whose holder's lease ran out), oldest first, and
// answers each with what its delivery needs: the notification as the API shows it and its owner's
// preferences (a row whose notification was deleted since comes without them). SKIP LOCKED lets
// several relays claim side by side without waiting on or repeating each other. When it claims
// nothing but pending rows remain (held by a relay that may have died), one row alone says in how
// many ms the first of their leases ends: no NOTIFY announces that moment, so the relay's slow idle
// poll must not sleep past it.
const CLAIM = `
  with claimed as (
    update tresta_outbox set claimed_at = now(), claim_token = ?, attempts = attempts + 1
    where id in (
      select id from tresta_outbox
      where status = 'pending' and (claimed_at is null or claimed_at < now() - make_interval(secs => ?))
      order by created_at, id
      limit ?
      for update skip locked)
    returning id, notification_id, created_at),
  rows as (
    select c.id as outbox_id, c.notification_id, c.created_at as outbox_created_at, ${DELIVERY_COLUMNS}
    from claimed c
    left join tresta_notifications n on n.id = c.notification_id
    left join tresta_notification_preferences p on p.user_id = n.user_id),
  held as (
    select greatest(0, ceil(extract(epoch from (min(claimed_at) + make_interval(secs => ?) - now())) * 1000))::int
      as lease_ends_in_ms
    from tresta_outbox
    where status = 'pending' and not exists (select 1 from claimed)
    having count(*) > 0)
  select rows.*, held.lease_ends_in_ms from rows full join held on true
  order by rows.outbox_created_at, rows.outbox_id`;

// Fenced by the claim token: a relay whose lease expired and was re-claimed marks nothing. A row
// whose job already finished (the job marks it published, pending or queued) stays published.
const MARK_RELAYED = `
  update tresta_outbox set status = case
        when status <> 'published' and id::text in (select jsonb_array_elements_text(?::jsonb)) then 'queued'
        else 'published' end,
      published_at = now()
  where claim_token = ? and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

/** A claimed outbox row (`outbox_id`) with its notification to deliver, or null fields when it was deleted since. */
export type ClaimedDelivery = { outbox_id: string; notification_id: string } & (DeliveryRow | { [K in keyof DeliveryRow]: null });

export interface OutboxClaim {
  rows: ClaimedDelivery[];
  /** When nothing was claimable: in how many ms the first lease of a pending row held elsewhere ends (null: none). */
  leaseEndsInMs: number | null;
}

/**
 * Sends the NOTIFY that wakes the relays. In a transaction, Postgres delivers it when the
 * transaction commits.
 */
export async function wakeRelay(em: EntityManager): Promise<void> {
  await em.execute(WAKE_RELAY, [], 'run');
}

/**
 * Claims up to `limit` pending rows for `token`, taking over those whose lease of `leaseSeconds`
 * ran out, each with its notification and its owner's preferences, oldest first.
 */
export async function claimPending(
  em: EntityManager,
  claim: { token: string; leaseSeconds: number; limit: number },
): Promise<OutboxClaim> {
  const answer = await executeNamed<(ClaimedDelivery | { outbox_id: null }) & { lease_ends_in_ms: number | null }>(
    em,
    'outbox_claim',
    CLAIM,
    [claim.token, claim.leaseSeconds, claim.limit, claim.leaseSeconds],
  );
  const held = answer.find((row) => row.outbox_id === null);
  return {
    rows: answer.filter((row): row is ClaimedDelivery & { lease_ends_in_ms: null } => row.outbox_id !== null),
    // Pending rows that are not claimable yet: their lease ends then (a row being claimed by
    // another relay right now has none: poll again at the quick pace).
    leaseEndsInMs: held ? (held.lease_ends_in_ms ?? 0) : null,
  };
}

/**
 * Marks rows claimed with `token` relayed: `queued` (the ids in `queued`: a deliver-notification
 * job holds the rest of their delivery), the others `published`.
 */
export async function markPublished(
  em: EntityManager,
  token: string,
  ids: readonly string[],
  queued: readonly string[] = [],
): Promise<void> {
  await executeNamed(em, 'outbox_mark', MARK_RELAYED, [JSON.stringify(queued), token, JSON.stringify(ids)]);
}

// A deliver-notification job is done with its notification; the row stays for the cleanup. Its
// relay may not have marked it yet (the job is enqueued first): it is published all the same.
const MARK_DONE = `
  update tresta_outbox set status = 'published'
  where status <> 'published' and notification_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

/** Marks the rows of these notifications `published`: their deliver-notification jobs finished. */
export async function markJobsDone(db: SqlExecutor, notificationIds: readonly string[]): Promise<void> {
  await db.execute(MARK_DONE, [JSON.stringify(notificationIds)], 'run');
}

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

/** A notification the sweeper found: whose, and its place in the pages (created_at, id). */
export interface SweptNotification {
  id: string;
  user_id: string;
  created_at: Date;
}

// Relayed with a deliver-notification job that never finished; a page at a time, oldest first.
const QUEUED = `
  select o.notification_id as id, o.user_id, o.created_at from tresta_outbox o
  where o.status = 'queued' and o.created_at < ?::timestamptz and o.created_at >= ?::timestamptz
    and (o.created_at, o.notification_id) > (?::timestamptz, ?::uuid)
  order by o.created_at, o.notification_id
  limit ?`;

/** Notifications whose deliver-notification job has not finished (the sweeper checks whether it still exists). */
export async function queuedPage(db: SqlExecutor, page: RedrivePage): Promise<SweptNotification[]> {
  return db.execute<SweptNotification[]>(QUEUED, [page.settled, page.oldest, page.after.createdAt, page.after.id, page.limit]);
}

// Deletes one batch of old published rows; small batches keep each delete's locks short.
const DELETE_PUBLISHED = `
    delete from tresta_outbox where id in (
      select id from tresta_outbox where status = 'published' and published_at < ?::timestamptz limit ?)`;

/** One batch of rows published before the cutoff: how many were deleted. */
export async function deletePublishedOutbox(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_PUBLISHED, [cutoff, batchSize]);
}

/** What is stuck, for the metrics: the outbox's backlog and its oldest row's age, and the dead letters. */
export interface Backlog {
  dead_letters: number;
  backlog: number;
  oldest_age: number | null;
}

// One round trip for the three figures.
const BACKLOG = `select (select count(*)::int from tresta_dead_letters) as dead_letters,
              (select count(*)::int from tresta_outbox where status = 'pending') as backlog,
              (select extract(epoch from now() - min(created_at))::float from tresta_outbox where status = 'pending') as oldest_age`;

export async function backlogAndDeadLetters(db: SqlExecutor): Promise<Backlog | undefined> {
  const [row] = await db.execute<Backlog[]>(BACKLOG);
  return row;
}
