import { UnrecoverableError, type Queue } from 'bullmq';
import { escalationDelay, singleEmailPriority, type NotificationTypeConfig } from '../../notification-types.js';
import DataLoader from 'dataloader';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadForDelivery, markDelivered, type DeliveryRow } from '../../data/notifications.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import type { DeliveryLatency } from '../../metrics/instance-metrics.js';
import type { Publisher } from '../../realtime/messages.js';
import { rowToNotificationView } from '../../services/notification-view.js';
import { EMAIL_PRIORITY, emailJobId, JOB_OPTIONS, parseDeliverNotification, pushJobId } from '../registry.js';

export interface DeliverDeps {
  loader: DeliveryLoader;
  /** Records that a notification reached its final state (see createDeliveredMarker). */
  markDelivered: DeliveredMarker;
  publisher: Publisher;
  counters: DailyCounters;
  /** Times each publish from the notification's creation; null where nothing reads it. */
  deliveryLatency: DeliveryLatency | null;
  types: Record<string, NotificationTypeConfig>;
  /** Where single emails go (immediate and normal types); null when the email channel is off (no resolveRecipient). */
  emailQueue: Queue | null;
  /** Where pushes go, with the user's subscriptions; null when web push is off (no `webPush`). */
  push: { queue: Queue; subscriptionIds: (userId: string) => Promise<string[]> } | null;
}

export type DeliverOutcome = 'published' | 'in-app-off' | 'gone';

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

export type DeliveredMarker = DataLoader<string, void>;

/**
 * Stamps delivered_at, the marker the re-drive sweeper (jobs/scheduled/redrive.ts) reads to tell
 * a delivered notification from one whose job vanished with Redis. Batched like the loads: the
 * jobs finishing at the same moment share one update.
 */
export function createDeliveredMarker(orm: MikroORM): DeliveredMarker {
  return new DataLoader<string, void>(
    async (ids) => {
      await markDelivered(orm.em, ids);
      return ids.map(() => undefined);
    },
    { cache: false, maxBatchSize: 500 },
  );
}

/**
 * deliver-notification — purpose: show a committed notification to its user in real time.
 * Input: { notificationId, userId } (checked here: jobs outlive deploys).
 * Effects: one real-time message `new-notification` (id = the notification's id), unless the
 * user turned in-app notifications off, globally or for this type; the day's sent counter and
 * the running total; the publish's latency from the notification's creation; for a
 * type emailed one by one, a send-email job at its priority (one per notification: its job id is
 * derived from it), delayed until escalateAfterMinutes after the notification for a type that
 * escalates; for a type with `push: true` and the user's push preference on, a send-push job
 * per subscription of the user (one per notification and subscription: its job id is derived
 * from both); delivered_at stamped once.
 * Output: what happened. Safe to run twice: clients and Ably drop a message id they have seen.
 */
export async function deliverNotification(deps: DeliverDeps, data: unknown): Promise<DeliverOutcome> {
  const payload = parseDeliverNotification(data);
  if (!payload) throw new UnrecoverableError('deliver-notification: malformed payload');
  const row = await deps.loader.load(payload.notificationId);
  // Deleted since (retention, or the user's account): nothing left to show.
  if (!row || row.user_id !== payload.userId) return 'gone';
  // Email first: a retried job must not keep re-publishing while its email is never queued.
  const type = deps.types[row.type];
  const emailPriority = singleEmailPriority(type);
  if (deps.emailQueue && row.email_on && emailPriority) {
    await deps.emailQueue.add('send-email', payload, {
      ...JOB_OPTIONS['send-email'],
      priority: EMAIL_PRIORITY[emailPriority],
      jobId: emailJobId(row.id),
      delay: escalationDelay(type, row.created_at),
    });
  }
  if (deps.push && type?.push && row.push_on) {
    const subscriptionIds = await deps.push.subscriptionIds(row.user_id);
    await deps.push.queue.addBulk(
      subscriptionIds.map((subscriptionId) => ({
        name: 'send-push',
        data: { notificationId: row.id, subscriptionId, userId: row.user_id },
        opts: { ...JOB_OPTIONS['send-push'], jobId: pushJobId(row.id, subscriptionId) },
      })),
    );
  }
  if (!row.in_app) {
    await deps.markDelivered.load(row.id);
    return 'in-app-off';
  }
  await deps.publisher.publish(row.user_id, { name: 'new-notification', data: rowToNotificationView(row) });
  // Postgres stamped the creation, this process's clock the publish: clocks on two machines may differ
  // a little, and a publish that seems to precede its notification counts as instant.
  deps.deliveryLatency?.observe(Math.max(0, (Date.now() - Date.parse(row.created_at)) / 1000));
  await deps.markDelivered.load(row.id);
  // A dashboard figure: never worth failing (and re-running) a delivery for.
  deps.counters.increment('notifications_sent').catch(() => undefined);
  return 'published';
}
