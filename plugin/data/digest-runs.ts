import type { DigestRunStatus } from '../db/entities/index.js';
import { affectedRows, type SqlExecutor } from './executor.js';

/** A user whose digest is due for a period, and how many notifications wait for it. */
export interface DueDigest {
  user_id: string;
  frequency: 'daily' | 'weekly';
  period_key: string;
  notification_count: number;
}

/** A digest's row as the run claimed it, new or found again. */
export interface ClaimedDigest {
  id: string;
  user_id: string;
  period: 'daily' | 'weekly';
  period_key: string;
  status: DigestRunStatus;
}

// Each due user's row for their local period: made by the first attempt, found by any later one.
const CLAIM = `
  insert into tresta_digest_runs (id, user_id, period, period_key, status, notification_count, window_end)
  select gen_random_uuid(), r.user_id, r.frequency, r.period_key, 'pending', r.notification_count, ?::timestamptz
  from jsonb_to_recordset(?::jsonb) as r(user_id text, frequency text, period_key text, notification_count int)
  on conflict (user_id, period_key) do update set period = tresta_digest_runs.period
  returning id, user_id, period, period_key, status`;

/** The rows of these users' due digests, made by the run at `tick`. */
export async function claimDigests(db: SqlExecutor, tick: string, due: DueDigest[]): Promise<ClaimedDigest[]> {
  return db.execute<ClaimedDigest[]>(CLAIM, [tick, JSON.stringify(due)]);
}

const SET_STATUS = `
  update tresta_digest_runs d set status = r.status
  from jsonb_to_recordset(?::jsonb) as r(id uuid, status text)
  where d.id = r.id and d.status in ('pending', 'carried')`;

/** Ends open digests without sending them: skipped (nobody to send to, nothing to take) or carried (no budget left). */
export async function setDigestStatuses(
  db: SqlExecutor,
  statuses: Array<{ id: string; status: Extract<DigestRunStatus, 'skipped' | 'carried'> }>,
): Promise<void> {
  await db.execute(SET_STATUS, [JSON.stringify(statuses)], 'run');
}

// A digest's end, as the first part of the statement that ends its email's delivery log row
// (data/email-deliveries.ts): the digest and its email change together. Each takes the digest's id.
export const DIGEST_SENT = `update tresta_digest_runs set status = 'sent', sent_at = now() where id = ? and status <> 'sent'`;
export const DIGEST_FAILED = `update tresta_digest_runs set status = 'failed' where id = ? and status = 'pending'`;
export const DIGEST_CARRIED = `update tresta_digest_runs set status = 'carried' where id = ? and status = 'pending'`;

/** A digest to send: its status, and the key and bytes the digest run kept in its delivery log row. */
export interface DigestToSend<Email> {
  status: DigestRunStatus;
  idempotency_key: string | null;
  content: Email | null;
}

// The digest's row, and the bytes the digest run rendered into its delivery log row.
const LOAD_TO_SEND = `
  select d.status, e.idempotency_key, e.content from tresta_digest_runs d
  left join tresta_email_deliveries e on e.digest_run_id = d.id and e.channel = 'email'
  where d.id = ?`;

/** `Email` is the type of the rendered email the digest run kept. */
export async function loadDigestToSend<Email>(db: SqlExecutor, digestRunId: string): Promise<DigestToSend<Email> | undefined> {
  const [digest] = await db.execute<Array<DigestToSend<Email>>>(LOAD_TO_SEND, [digestRunId]);
  return digest;
}

// Rendered (their bytes are in the delivery log row) and not sent yet.
const IN_FLIGHT = `
  select d.id, d.user_id from tresta_digest_runs d
  join tresta_email_deliveries e on e.digest_run_id = d.id and e.status = 'pending' and e.content is not null
  where d.status = 'pending' and d.created_at < ?::timestamptz and d.created_at >= ?::timestamptz`;

/** Digests made between `oldest` and `settled`, rendered and not sent yet. */
export async function digestsInFlight(
  db: SqlExecutor,
  settled: string,
  oldest: string,
): Promise<Array<{ id: string; user_id: string }>> {
  return db.execute<Array<{ id: string; user_id: string }>>(IN_FLIGHT, [settled, oldest]);
}

// A notification keeps the id of the digest that took it, so it is never taken again once the
// digest's row is gone.
const DELETE_OLD = `
    delete from tresta_digest_runs where id in (
      select id from tresta_digest_runs where created_at < ?::timestamptz limit ?)`;

/** One batch of digest rows made before the cutoff: how many were deleted. */
export async function deleteOldDigests(db: SqlExecutor, cutoff: string, batchSize: number): Promise<number> {
  return affectedRows(db, DELETE_OLD, [cutoff, batchSize]);
}
