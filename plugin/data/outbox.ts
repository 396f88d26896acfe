import type { EntityManager } from '@mikro-orm/postgresql';
import { affectedRows, type SqlExecutor } from './executor.js';
import { executeNamed } from './prepared.js';

// Every statement on tresta_outbox: a notification's pending hand-off to the delivery queue.

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

// Claims a batch of pending rows nobody holds (or whose holder's lease ran out), oldest first.
// SKIP LOCKED lets several relays claim side by side without waiting on or repeating each other.
// When it claims nothing but pending rows remain (held by a relay that may have died), one more
// row says in how many ms the first of their leases ends: no NOTIFY announces that moment, so the
// relay's slow idle poll must not sleep past it.
const CLAIM = `
  with claimed as (
    update tresta_outbox set claimed_at = now(), claim_token = ?, attempts = attempts + 1
    where id in (
      select id from tresta_outbox
      where status = 'pending' and (claimed_at is null or claimed_at < now() - make_interval(secs => ?))
      order by created_at, id
      limit ?
      for update skip locked)
    returning id, notification_id, user_id)
  select id, notification_id, user_id, null::int as lease_ends_in_ms from claimed
  union all
  select null, null, null,
    greatest(0, ceil(extract(epoch from (min(claimed_at) + make_interval(secs => ?) - now())) * 1000))::int
  from tresta_outbox
  where status = 'pending' and not exists (select 1 from claimed)
  having count(*) > 0`;

// Fenced by the claim token: a relay whose lease expired and was re-claimed marks nothing.
const MARK_PUBLISHED = `
  update tresta_outbox set status = 'published', published_at = now()
  where claim_token = ? and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

export interface ClaimedOutboxRow {
  id: string;
  notification_id: string;
  user_id: string;
}

export interface OutboxClaim {
  rows: ClaimedOutboxRow[];
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

/** Claims up to `limit` pending rows for `token`, taking over those whose lease of `leaseSeconds` ran out. */
export async function claimPending(
  em: EntityManager,
  claim: { token: string; leaseSeconds: number; limit: number },
): Promise<OutboxClaim> {
  const answer = await executeNamed<{
    id: string | null;
    notification_id: string;
    user_id: string;
    lease_ends_in_ms: number | null;
  }>(em, 'outbox_claim', CLAIM, [claim.token, claim.leaseSeconds, claim.limit, claim.leaseSeconds]);
  const held = answer.find((row) => row.id === null);
  return {
    rows: answer.filter((row): row is typeof row & { id: string } => row.id !== null),
    // Pending rows that are not claimable yet: their lease ends then (a row being claimed by
    // another relay right now has none: poll again at the quick pace).
    leaseEndsInMs: held ? (held.lease_ends_in_ms ?? 0) : null,
  };
}

/** Marks rows claimed with `token` published. */
export async function markPublished(em: EntityManager, token: string, ids: readonly string[]): Promise<void> {
  await executeNamed(em, 'outbox_mark', MARK_PUBLISHED, [token, JSON.stringify(ids)]);
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
