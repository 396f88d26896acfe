import { UnrecoverableError, type Queue } from 'bullmq';
import { escalationDelay, singleEmailPriority, type NotificationTypeConfig } from '../../notification-types.js';
import DataLoader from 'dataloader';
import type { MikroORM } from '@mikro-orm/postgresql';
import { markJobsDone } from '../../data/outbox.js';
import { loadForDelivery, type DeliveryRow } from '../../data/notifications.js';
import type { Publisher } from '../../realtime/messages.js';
import { rowToNotificationView } from '../../services/notification-view.js';
import { EMAIL_PRIORITY, emailJobId, JOB_OPTIONS, parseDeliverNotification, pushJobId } from '../registry.js';

export interface DeliverDeps {
  loader: DeliveryLoader;
  /** Records that a notification's job is done (see createJobDoneMarker). */
  markDone: JobDoneMarker;
  /** Ably's publisher, for the publishes that failed in the relay; null when Ably publishing is off. */
  ably: Publisher | null;
  types: Record<string, NotificationTypeConfig>;
  /** Where single emails go (immediate and normal types); null when the email channel is off (no resolveRecipient). */
  emailQueue: Queue | null;
  /** Where pushes go, with the user's subscriptions; null when web push is off (no `webPush`). */
  push: { queue: Queue; subscriptionIds: (userId: string) => Promise<string[]> } | null;
}

/** The channels that need a job, as this process runs them. */
export interface JobChannels {
  email: boolean;
  push: boolean;
}

/**
 * Whether a notification's delivery needs a deliver-notification job beyond the relay's real-time
 * publish: an email for a type emailed singly (escalations included) with the user's email on, or
 * a push for a push type with the user's push on. The relay asks it to enqueue the job only then;
 * the job asks it again when it runs.
 */
export function needsDeliverJob(
  types: Record<string, NotificationTypeConfig>,
  channels: JobChannels,
  row: Pick<DeliveryRow, 'type' | 'email_on' | 'push_on'>,
): { email: boolean; push: boolean } {
  const type = types[row.type];
  return {
    email: channels.email && row.email_on && singleEmailPriority(type) !== null,
    push: channels.push && type?.push === true && row.push_on,
  };
}

export type DeliverOutcome = 'routed' | 'gone';

export type DeliveryLoader = DataLoader<string, DeliveryRow | null>;

/**
 * Coalesces the loads of the jobs running at the same moment (up to the worker's concurrency)
 * into one query, instead of one round trip per job. Nothing is cached between batches.
 */
export function createDeliveryLoader(orm: MikroORM): DeliveryLoader {
  return new DataLoader(
    async (ids) => {
      const rows = await loadForDelivery(orm.em, ids);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { cache: false, maxBatchSize: 500 },
  );
}

export type JobDoneMarker = DataLoader<string, void>;

/**
 * Marks the notification's outbox row published: the re-drive sweeper (jobs/scheduled/redrive.ts)
 * re-creates the job of a row still queued once the job is gone from Redis. Batched like the
 * loads: the jobs finishing at the same moment share one update.
 */
export function createJobDoneMarker(orm: MikroORM): JobDoneMarker {
  return new DataLoader<string, void>(
    async (ids) => {
      await markJobsDone(orm.em.getConnection(), ids);
      return ids.map(() => undefined);
    },
    { cache: false, maxBatchSize: 500 },
  );
}

/**
 * deliver-notification — purpose: what is left of a notification's delivery once the outbox relay
 * (jobs/outbox-relay.ts) published it in real time: its email and push, and an Ably publish that
 * failed in the relay.
 * Input: { notificationId, userId, ably? } (checked here: jobs outlive deploys).
 * Effects: for a type emailed one by one, a send-email job at its priority (one per notification:
 * its job id is derived from it), delayed until escalateAfterMinutes after the notification for a
 * type that escalates; for a type with `push: true` and the user's push preference on, a send-push
 * job per subscription of the user (one per notification and subscription: its job id is derived
 * from both); with `ably`, the `new-notification` message on the user's Ably channel when in-app
 * is on (a failure throws, and BullMQ retries it with backoff); then the outbox row marked published.
 * Output: what happened. Safe to run twice: the job ids make a second enqueue a no-op, and Ably and
 * clients drop a message id they have seen.
 */
export async function deliverNotification(deps: DeliverDeps, data: unknown): Promise<DeliverOutcome> {
  const payload = parseDeliverNotification(data);
  if (!payload) throw new UnrecoverableError('deliver-notification: malformed payload');
  const row = await deps.loader.load(payload.notificationId);
  // Deleted since (retention, or the user's account): nothing left to deliver.
  if (!row || row.user_id !== payload.userId) {
    await deps.markDone.load(payload.notificationId);
    return 'gone';
  }
  const type = deps.types[row.type];
  const needs = needsDeliverJob(deps.types, { email: deps.emailQueue !== null, push: deps.push !== null }, row);
  const emailPriority = singleEmailPriority(type);
  if (deps.emailQueue && needs.email && emailPriority) {
    await deps.emailQueue.add('send-email', payload, {
      ...JOB_OPTIONS['send-email'],
      priority: EMAIL_PRIORITY[emailPriority],
      jobId: emailJobId(row.id),
      delay: escalationDelay(type, row.created_at),
    });
  }
  if (deps.push && needs.push) {
    const subscriptionIds = await deps.push.subscriptionIds(row.user_id);
    await deps.push.queue.addBulk(
      subscriptionIds.map((subscriptionId) => ({
        name: 'send-push',
        data: { notificationId: row.id, subscriptionId, userId: row.user_id },
        opts: { ...JOB_OPTIONS['send-push'], jobId: pushJobId(row.id, subscriptionId) },
      })),
    );
  }
  if (deps.ably && (data as { ably?: unknown }).ably === true && row.in_app) {
    await deps.ably.publish(row.user_id, { name: 'new-notification', data: rowToNotificationView(row) });
  }
  await deps.markDone.load(row.id);
  return 'routed';
}
