import type { Queue } from 'bullmq';
import { EMAIL_ON } from '../../services/preference-columns.js';
import { utcDay } from '../../utc-day.js';
import {
  composeDigestEmails,
  digestKey,
  toDigestRow,
  type DigestComposer,
  type DigestRunRecord,
  type Recipient,
} from './digest-compose.js';

export interface DigestDeps {
  /** Null when the email channel is off: there is nobody to send a digest to. */
  composer: DigestComposer | null;
  queue: Queue | null;
}

export interface DigestOutcome {
  /** Digests handed to the sender by this run (with those an earlier attempt of the period left unsent). */
  sent: number;
  /** Digest users with nothing new since their last digest, without a deliverable address, or done this period already. */
  skipped: number;
  /** Users left for the next run because the budget was spent (their window stays open). */
  carried: number;
}

/**
 * A notification is listed once it is this old: one committed by a slow transaction with an
 * earlier created_at must not fall before the next window's start.
 */
const SETTLE_MS = 5 * 60_000;
const CHUNK = 500;

// Users due a digest and their window's start: the end of their last sent digest, else their
// first digest-type notification. Whatever was never sent (a missed day, a carried user) stays in.
const CANDIDATES = `
  with last_sent as (
    select user_id, max(window_end) as since from tresta_digest_runs where status = 'sent' group by user_id
  )
  select n.user_id, coalesce(p.digest, 'daily') as frequency, coalesce(ls.since, min(n.created_at)) as window_start,
         count(*)::int as notification_count
  from tresta_notifications n
  left join tresta_notification_preferences p on p.user_id = n.user_id
  left join last_sent ls on ls.user_id = n.user_id
  where n.type in (select jsonb_array_elements_text(?::jsonb)) and n.created_at < ?::timestamptz
    and (ls.since is null or n.created_at >= ls.since)
    and ${EMAIL_ON} and coalesce(p.digest, 'daily') in (select jsonb_array_elements_text(?::jsonb))
  group by n.user_id, p.digest, ls.since
  order by n.user_id`;

// Everyone the run is for (preferences or defaults), for the count of those with nothing new.
const DIGEST_USERS = `
  select count(*)::int as count from (
    select distinct user_id from tresta_notifications union select user_id from tresta_notification_preferences
  ) u
  left join tresta_notification_preferences p on p.user_id = u.user_id
  where coalesce(p.email_enabled, true) and coalesce(p.digest, 'daily') in (select jsonb_array_elements_text(?::jsonb))`;

// The period's row per user: made by the first attempt (its window fixed then), found by any later one.
const CLAIM = `
  insert into tresta_digest_runs (id, user_id, period, period_key, status, notification_count, window_start, window_end)
  select gen_random_uuid(), r.user_id, r.frequency, ?, 'pending', r.notification_count, r.window_start, ?::timestamptz
  from jsonb_to_recordset(?::jsonb) as r(user_id text, frequency text, window_start timestamptz, notification_count int)
  on conflict (user_id, period_key) do update set period = tresta_digest_runs.period
  returning id, user_id, period, period_key, status, window_start, window_end`;

const SUPPRESSED = `select email from tresta_email_suppressions where email in (select jsonb_array_elements_text(?::jsonb))`;

// The delivery log row of each digest in the budget: what the quota guard rebuilds its count from.
const LOG_DELIVERIES = `
  insert into tresta_email_deliveries (id, digest_run_id, user_id, channel, recipient, priority, status, idempotency_key, quota_date)
  select gen_random_uuid(), r.digest_run_id, r.user_id, 'email', r.recipient, 'normal', 'pending', r.idempotency_key, ?::date
  from jsonb_to_recordset(?::jsonb) as r(digest_run_id uuid, user_id text, recipient text, idempotency_key text)
  on conflict (idempotency_key) do nothing`;

const SET_STATUS = `
  update tresta_digest_runs d set status = r.status
  from jsonb_to_recordset(?::jsonb) as r(id uuid, status text)
  where d.id = r.id and d.status in ('pending', 'carried')`;

interface Candidate {
  user_id: string;
  frequency: 'daily' | 'weekly';
  window_start: Date;
  notification_count: number;
}

interface ClaimedRow extends DigestRunRecord {
  status: string;
}

/**
 * digest — purpose: one email per user listing their non-critical notifications since their last
 * digest; daily users every day, weekly users on Mondays.
 * Input: the tick (`now`, 09:00 UTC by default). The period is now's UTC date.
 * Effects: nothing while the quota lock is set (everyone carried). Otherwise, per user with
 * something new: a tresta_digest_runs row (unique per user and period), a place in the day's
 * budget reserved atomically under `digest/<userId>/<date>`, a delivery log row, and a rendered
 * send-digest job (job id from the row). When the budget runs out (the quota guard then sets the
 * quota lock) the remaining users are carried: their window stays open for the next run.
 * Output: { sent, skipped, carried }. Safe to run twice, or to resume after a crash: the period's
 * row is found again (with the window of its first attempt, so the same bytes are rendered), a
 * row already sent is left alone, the reservation is keyed by the email, the job id dedups in
 * the queue and the provider drops a repeated Idempotency-Key.
 */
export async function runDigest(deps: DigestDeps, now: Date): Promise<DigestOutcome> {
  const outcome: DigestOutcome = { sent: 0, skipped: 0, carried: 0 };
  const { composer, queue } = deps;
  if (!composer || !queue || composer.digestTypes.length === 0) return outcome;
  const connection = composer.orm.em.getConnection();
  const run: DigestTick = {
    composer,
    queue,
    now,
    periodKey: utcDay(now),
    windowEnd: new Date(now.getTime() - SETTLE_MS).toISOString(),
  };
  const frequencies = JSON.stringify(now.getUTCDay() === 1 ? ['daily', 'weekly'] : ['daily']);

  const [candidates, [users]] = await Promise.all([
    connection.execute<Candidate[]>(CANDIDATES, [JSON.stringify(composer.digestTypes), run.windowEnd, frequencies]),
    connection.execute<Array<{ count: number }>>(DIGEST_USERS, [frequencies]),
  ]);
  outcome.skipped = (users?.count ?? 0) - candidates.length;
  if (await composer.channel.quota.isLocked(now)) {
    outcome.carried = candidates.length;
    return outcome;
  }
  for (let start = 0; start < candidates.length; start += CHUNK) {
    const chunk = await digestChunk(run, candidates.slice(start, start + CHUNK));
    outcome.sent += chunk.sent;
    outcome.skipped += chunk.skipped;
    outcome.carried += chunk.carried;
    // The quota guard set the quota lock with the budget's last place: the rest wait for the next run.
    if (chunk.budgetSpent) {
      outcome.carried += candidates.length - Math.min(start + CHUNK, candidates.length);
      break;
    }
  }
  return outcome;
}

/** What every chunk of one run shares. */
interface DigestTick {
  composer: DigestComposer;
  queue: Queue;
  now: Date;
  periodKey: string;
  windowEnd: string;
}

type Addressed = { row: ClaimedRow; recipient: Recipient };

/** One chunk of users: claim their rows, drop the unaddressable, reserve the budget, render, enqueue. */
async function digestChunk(run: DigestTick, chunk: Candidate[]): Promise<DigestOutcome & { budgetSpent: boolean }> {
  const connection = run.composer.orm.em.getConnection();
  const claimed = await connection.execute<ClaimedRow[]>(CLAIM, [
    run.periodKey,
    run.windowEnd,
    JSON.stringify(
      chunk.map(({ user_id, frequency, window_start, notification_count }) => ({
        user_id,
        frequency,
        window_start: new Date(window_start).toISOString(),
        notification_count,
      })),
    ),
  ]);
  const open = claimed.filter((row) => row.status === 'pending' || row.status === 'carried');
  const { addressed, unaddressable } = await address(run, open);
  const { inBudget, overBudget, budgetSpent } = await reserveBudget(run, addressed);

  await connection.execute(
    LOG_DELIVERIES,
    [
      run.periodKey,
      JSON.stringify(
        inBudget.map(({ row, recipient }) => ({
          digest_run_id: row.id,
          user_id: row.user_id,
          recipient: recipient.email,
          idempotency_key: digestKey(row.user_id, run.periodKey),
        })),
      ),
    ],
    'run',
  );
  const jobs = await composeDigestEmails(
    run.composer,
    inBudget.map(({ row, recipient }) => ({ row: toDigestRow(row), recipient })),
  );
  await run.queue.addBulk(jobs);
  // Rows whose notifications were deleted since they were selected: nothing left to send.
  const composed = new Set(jobs.map((job) => job.data.digestRunId));
  const emptied = inBudget.filter(({ row }) => !composed.has(row.id)).map(({ row }) => row);

  const statuses = [
    ...[...unaddressable, ...emptied].map((row) => ({ id: row.id, status: 'skipped' })),
    ...overBudget.map(({ row }) => ({ id: row.id, status: 'carried' })),
  ];
  if (statuses.length > 0) await connection.execute(SET_STATUS, [JSON.stringify(statuses)], 'run');
  return {
    sent: jobs.length,
    skipped: claimed.length - open.length + unaddressable.length + emptied.length,
    carried: overBudget.length,
    budgetSpent,
  };
}

/** Each open row's recipient; rows without an address, or with a suppressed one, are skipped. */
async function address(run: DigestTick, open: ClaimedRow[]): Promise<{ addressed: Addressed[]; unaddressable: ClaimedRow[] }> {
  const recipients = await Promise.all(open.map((row) => run.composer.channel.resolveRecipient(row.user_id)));
  const emails = recipients.flatMap((recipient) => (recipient ? [recipient.email.toLowerCase()] : []));
  const suppressed = new Set(
    (await run.composer.orm.em.getConnection().execute<Array<{ email: string }>>(SUPPRESSED, [JSON.stringify(emails)])).map(
      (row) => row.email,
    ),
  );
  const addressed: Addressed[] = [];
  const unaddressable: ClaimedRow[] = [];
  open.forEach((row, i) => {
    const recipient = recipients[i];
    if (recipient && !suppressed.has(recipient.email.toLowerCase())) addressed.push({ row, recipient });
    else unaddressable.push(row);
  });
  return { addressed, unaddressable };
}

/**
 * One place in the day's budget per digest, keyed by its email (a resumed run finds its own
 * reservation). The first goes alone (it rebuilds the day's count if Redis lost it), the rest in
 * one pipeline that Redis runs in order: once the budget is spent, every later one is refused too.
 */
async function reserveBudget(
  run: DigestTick,
  addressed: Addressed[],
): Promise<{ inBudget: Addressed[]; overBudget: Addressed[]; budgetSpent: boolean }> {
  const reserve = ({ row }: Addressed) =>
    run.composer.channel.quota.reserve({
      emailKey: digestKey(row.user_id, run.periodKey),
      userId: row.user_id,
      priority: 'normal',
      recipients: 1,
      now: run.now,
    });
  const [first, ...rest] = addressed;
  const reservations = first ? [await reserve(first), ...(await Promise.all(rest.map(reserve)))] : [];
  const inBudget: Addressed[] = [];
  const overBudget: Addressed[] = [];
  addressed.forEach((entry, i) => {
    const { outcome } = reservations[i]!;
    (outcome === 'reserved' || outcome === 'already-reserved' ? inBudget : overBudget).push(entry);
  });
  return { inBudget, overBudget, budgetSpent: reservations.some((reservation) => reservation.outcome === 'budget-spent') };
}
