import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { digestsInFlight } from '../../data/digest-runs.js';
import { deferredEmailsDue } from '../../data/email-deliveries.js';
import { unfinishedEmailsPage } from '../../data/notifications.js';
import { queuedPage } from '../../data/outbox.js';
import { escalationDelay, singleEmailPriority, type NotificationTypeConfig } from '../../notification-types.js';
import { deliverJobId, digestJobId, EMAIL_PRIORITY, emailJobId, JOB_OPTIONS } from '../registry.js';

export interface RedriveDeps {
  orm: MikroORM;
  /** `emails` and `digests` are null when the email channel is off. */
  queues: { notifications: Queue; emails: Queue | null; digests: Queue | null };
  /** Which types are emailed one by one, and at what priority: their lost send-email jobs are put back. */
  types?: Record<string, NotificationTypeConfig>;
}

export interface RedriveOutcome {
  /** deliver-notification jobs re-created for queued outbox rows whose job had vanished. */
  notifications: number;
  /** Deferred emails whose day has come, handed back to the emails queue. */
  deferredEmails: number;
  /** send-email jobs re-created for routed notifications whose email job had vanished before it finished. */
  lostEmails?: number;
  /** Digests handed to the sender whose send-digest job had vanished. */
  digests: number;
}

/** Younger work may still be on its way through the normal path: leave it alone. */
const GRACE_MS = 2 * 60_000;
/** How far back lost work is looked for; the scan stays on a partial index either way. */
const LOOKBACK_MS = 7 * 24 * 3_600_000;
const PAGE = 1_000;

/** The ids among these whose job is gone from the queue (BullMQ keeps a job's hash while it exists). */
async function missingJobs(queue: Queue, jobIds: string[]): Promise<Set<string>> {
  const jobs = await Promise.all(jobIds.map((id) => queue.getJob(id)));
  return new Set(jobIds.filter((_, i) => !jobs[i]));
}

/**
 * redrive — purpose: put back work whose job vanished (Redis restarted without persistence, or
 * was flushed) and release deferred emails whose day has come.
 * Input: the tick (`now`).
 * Effects: a deliver-notification job (same job id) for each notification the relay published in
 * real time and left to a job (its outbox row `queued`) whose job is gone, older than 2 minutes;
 * the job also republishes it on Ably, since the lost job may have held a failed Ably publish (Ably
 * and clients drop a message id they have seen); a send-email job (same job id) for each routed
 * notification of a type emailed singly whose email job vanished unfinished (no delivery row, or
 * one still pending, and no dead letter); a send-email job for each deferred email due; a
 * send-digest job (ids only: the bytes are in its delivery log row) for each rendered digest whose job is gone.
 * Output: how many of each. Safe to run twice: job ids are deterministic (adding an existing id is
 * a no-op), a finished job marks its outbox row published, and sends are idempotent downstream.
 */
export async function runRedrive(deps: RedriveDeps, now: Date): Promise<RedriveOutcome> {
  const connection = deps.orm.em.getConnection();
  const settled = new Date(now.getTime() - GRACE_MS).toISOString();
  const oldest = new Date(now.getTime() - LOOKBACK_MS).toISOString();
  const outcome: RedriveOutcome = { notifications: 0, deferredEmails: 0, digests: 0 };

  let after = { createdAt: oldest, id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const rows = await queuedPage(connection, { settled, oldest, after, limit: PAGE });
    if (rows.length === 0) break;
    const missing = await missingJobs(
      deps.queues.notifications,
      rows.map((row) => deliverJobId(row.id)),
    );
    const lost = rows.filter((row) => missing.has(deliverJobId(row.id)));
    await deps.queues.notifications.addBulk(
      lost.map((row) => ({
        name: 'deliver-notification',
        data: { notificationId: row.id, userId: row.user_id, ably: true },
        opts: { ...JOB_OPTIONS['deliver-notification'], jobId: deliverJobId(row.id) },
      })),
    );
    outcome.notifications += lost.length;
    const last = rows.at(-1)!;
    after = { createdAt: new Date(last.created_at).toISOString(), id: last.id };
    if (rows.length < PAGE) break;
  }

  if (deps.queues.emails && deps.types) {
    // A send-email job lost with Redis after its deliver job finished would otherwise never run:
    // the outbox row is published, so the pass above leaves it alone (found by
    // test/faults/redis.fault.ts: FLUSHALL and a restart mid-flood lost emails for good).
    const emailQueue = deps.queues.emails;
    const types = deps.types;
    const priorities = new Map(
      Object.entries(types).flatMap(([type, config]) => {
        const priority = singleEmailPriority(config);
        return priority ? [[type, EMAIL_PRIORITY[priority]] as const] : [];
      }),
    );
    outcome.lostEmails = 0;
    let afterEmail = { createdAt: oldest, id: '00000000-0000-0000-0000-000000000000' };
    for (;;) {
      const rows = await unfinishedEmailsPage(connection, { settled, oldest, after: afterEmail, limit: PAGE }, [
        ...priorities.keys(),
      ]);
      if (rows.length === 0) break;
      const missing = await missingJobs(
        emailQueue,
        rows.map((row) => emailJobId(row.id)),
      );
      const lost = rows.filter((row) => missing.has(emailJobId(row.id)));
      await emailQueue.addBulk(
        lost.map((row) => ({
          name: 'send-email',
          data: { notificationId: row.id, userId: row.user_id },
          opts: {
            ...JOB_OPTIONS['send-email'],
            priority: priorities.get(row.type),
            jobId: emailJobId(row.id),
            // An escalation still waits for its time: it is due only if still unread then.
            delay: escalationDelay(types[row.type], row.created_at, now.getTime()),
          },
        })),
      );
      outcome.lostEmails += lost.length;
      const last = rows.at(-1)!;
      afterEmail = { createdAt: new Date(last.created_at).toISOString(), id: last.id };
      if (rows.length < PAGE) break;
    }
  }

  if (deps.queues.emails) {
    const due = await deferredEmailsDue(connection, now.toISOString());
    // The send-email processor treats a deferred row as ready to try again; an existing job is left as it is.
    await deps.queues.emails.addBulk(
      due.map((row) => ({
        name: 'send-email',
        data: { notificationId: row.notification_id, userId: row.user_id },
        opts: { ...JOB_OPTIONS['send-email'], priority: EMAIL_PRIORITY.normal, jobId: emailJobId(row.notification_id) },
      })),
    );
    outcome.deferredEmails = due.length;
  }

  if (deps.queues.digests) {
    const inFlight = await digestsInFlight(connection, settled, oldest);
    const missing = await missingJobs(
      deps.queues.digests,
      inFlight.map((row) => digestJobId(row.id)),
    );
    const lost = inFlight.filter((row) => missing.has(digestJobId(row.id)));
    await deps.queues.digests.addBulk(
      lost.map((row) => ({
        name: 'send-digest',
        data: { digestRunId: row.id, userId: row.user_id },
        opts: { ...JOB_OPTIONS['send-digest'], jobId: digestJobId(row.id) },
      })),
    );
    outcome.digests = lost.length;
  }
  return outcome;
}
