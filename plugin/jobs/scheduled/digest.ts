import type { Queue } from 'bullmq';
import { claimDigests, setDigestStatuses, type ClaimedDigest, type DueDigest } from '../../data/digest-runs.js';
import { suppressedAmong, suppressionKey } from '../../data/email-suppressions.js';
import { digestCandidates } from '../../data/notifications.js';
import { digestKey, takeAndRender, type DigestComposer, type DigestRow, type Recipient } from '../../email/digest/compose.js';
import { dueDigestPeriod } from '../../time/local-day.js';
import { utcDay } from '../../time/utc-day.js';
import { digestJobId, JOB_OPTIONS } from '../registry.js';

export interface DigestDeps {
  /** Null when the email channel is off: there is nobody to send a digest to. */
  composer: DigestComposer | null;
  queue: Queue | null;
}

export interface DigestOutcome {
  /** Digests handed to the sender by this run (with those an earlier attempt of the period left unsent). */
  sent: number;
  /**
   * Users with untaken notifications whose digest is not due (their local hour not reached, not
   * their Monday, or this period's digest sent already), or without a deliverable address.
   */
  skipped: number;
  /** Users left for the next run because the budget was spent (their notifications stay untaken). */
  carried: number;
}

const CHUNK = 500;

const toDigestRow = (row: ClaimedDigest): DigestRow => ({
  id: row.id,
  userId: row.user_id,
  period: row.period,
  periodKey: row.period_key,
});

/**
 * digest — purpose: one email per user listing every digest-type notification no digest has
 * taken yet, at the user's local digestHour: daily, or weekly on the local Monday.
 * Input: the tick (`now`; the schedule ticks hourly).
 * Effects: nothing while the quota lock is set (everyone carried). Otherwise, per user whose local
 * period is due: a digest row (data/digest-runs.ts, unique per user and local period date), a
 * place in the day's budget reserved atomically under `digest/<userId>/<date>`, then in one transaction the
 * notifications it takes (each notification records its digest) and its rendered email in its
 * delivery log row, and a send-digest job carrying only ids (job id from the row). When the budget
 * runs out (the quota guard then sets the quota lock) the remaining users are carried: their
 * notifications stay untaken for the next run.
 * Output: { sent, skipped, carried }. Safe to run twice, or to resume after a crash: the period's
 * row is found again, a row already sent is left alone, a digest already rendered keeps its bytes
 * and its notifications, the reservation is keyed by the email, the job id dedups in the queue and
 * the provider drops a repeated Idempotency-Key.
 */
export async function runDigest(deps: DigestDeps, now: Date): Promise<DigestOutcome> {
  const outcome: DigestOutcome = { sent: 0, skipped: 0, carried: 0 };
  const { composer, queue } = deps;
  if (!composer || !queue || composer.digestTypes.length === 0) return outcome;
  const candidates = await digestCandidates(composer.orm.em.getConnection(), composer.digestTypes);
  const due: DueDigest[] = [];
  for (const candidate of candidates) {
    const periodKey = dueDigestPeriod(
      { frequency: candidate.frequency, timeZone: candidate.time_zone, digestHour: candidate.digest_hour },
      now,
    );
    if (periodKey) due.push({ ...candidate, period_key: periodKey });
  }
  outcome.skipped = candidates.length - due.length;
  if (await composer.channel.quota.isLocked(now)) {
    outcome.carried = due.length;
    return outcome;
  }
  const run: DigestTick = { composer, queue, now };
  for (let start = 0; start < due.length; start += CHUNK) {
    const chunk = await digestChunk(run, due.slice(start, start + CHUNK));
    outcome.sent += chunk.sent;
    outcome.skipped += chunk.skipped;
    outcome.carried += chunk.carried;
    // The quota guard set the quota lock with the budget's last place: the rest wait for the next run.
    if (chunk.budgetSpent) {
      outcome.carried += due.length - Math.min(start + CHUNK, due.length);
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
}

type Addressed = { row: ClaimedDigest; recipient: Recipient };

/** One chunk of users: claim their rows, drop the unaddressable, reserve the budget, take and render, enqueue. */
async function digestChunk(run: DigestTick, chunk: DueDigest[]): Promise<DigestOutcome & { budgetSpent: boolean }> {
  const connection = run.composer.orm.em.getConnection();
  const claimed = await claimDigests(connection, run.now.toISOString(), chunk);
  const open = claimed.filter((row) => row.status === 'pending' || row.status === 'carried');
  const { addressed, unaddressable } = await address(run, open);
  const { inBudget, overBudget, budgetSpent } = await reserveBudget(run, addressed);

  const ready = await takeAndRender(
    run.composer,
    inBudget.map(({ row, recipient }) => ({ row: toDigestRow(row), recipient })),
    utcDay(run.now),
  );
  await run.queue.addBulk(
    inBudget
      .filter(({ row }) => ready.has(row.id))
      .map(({ row }) => ({
        name: 'send-digest' as const,
        data: { digestRunId: row.id, userId: row.user_id },
        opts: { ...JOB_OPTIONS['send-digest'], jobId: digestJobId(row.id) },
      })),
  );
  // Rows that found nothing left to take (deleted since they were counted): nothing to send.
  const emptied = inBudget.filter(({ row }) => !ready.has(row.id)).map(({ row }) => row);

  const statuses = [
    ...[...unaddressable, ...emptied].map((row) => ({ id: row.id, status: 'skipped' as const })),
    ...overBudget.map(({ row }) => ({ id: row.id, status: 'carried' as const })),
  ];
  if (statuses.length > 0) await setDigestStatuses(connection, statuses);
  return {
    sent: inBudget.length - emptied.length,
    skipped: claimed.length - open.length + unaddressable.length + emptied.length,
    carried: overBudget.length,
    budgetSpent,
  };
}

/** Each open row's recipient; rows without an address, or with a suppressed one, are skipped. */
async function address(
  run: DigestTick,
  open: ClaimedDigest[],
): Promise<{ addressed: Addressed[]; unaddressable: ClaimedDigest[] }> {
  const recipients = await Promise.all(open.map((row) => run.composer.channel.resolveRecipient(row.user_id)));
  const suppressed = await suppressedAmong(
    run.composer.orm.em.getConnection(),
    recipients.flatMap((recipient) => (recipient ? [recipient.email] : [])),
  );
  const addressed: Addressed[] = [];
  const unaddressable: ClaimedDigest[] = [];
  open.forEach((row, i) => {
    const recipient = recipients[i];
    if (recipient && !suppressed.has(suppressionKey(recipient.email))) addressed.push({ row, recipient });
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
      emailKey: digestKey(row.user_id, row.period_key),
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
