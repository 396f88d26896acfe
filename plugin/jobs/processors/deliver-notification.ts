import { UnrecoverableError } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NotificationSchema } from '../../db/entities/index.js';
import type { NotificationTypeConfig } from '../../notification-types.js';
import type { Publisher } from '../../realtime/messages.js';
import { toNotificationView } from '../../services/notification-view.js';
import { getPreferences } from '../../services/preferences.js';
import { parseDeliverNotification } from '../registry.js';

export interface DeliverDeps {
  orm: MikroORM;
  publisher: Publisher;
  types: Record<string, NotificationTypeConfig>;
}

export type DeliverOutcome = 'published' | 'in-app-off' | 'gone';

/**
 * deliver-notification — purpose: show a committed notification to its user in real time.
 * Input: { notificationId, userId } (checked here: jobs outlive deploys).
 * Effects: one real-time message `new-notification` (id = the notification's id), unless the
 * user turned in-app notifications off, globally or for this type.
 * Output: what happened. Safe to run twice: clients and Ably drop a message id they have seen.
 */
export async function deliverNotification(deps: DeliverDeps, data: unknown): Promise<DeliverOutcome> {
  const payload = parseDeliverNotification(data);
  if (!payload) throw new UnrecoverableError('deliver-notification: malformed payload');
  const em = deps.orm.em.fork();
  const notification = await em.findOne(NotificationSchema, { id: payload.notificationId }, { disableIdentityMap: true });
  // Deleted since (retention, or the user's account): nothing left to show.
  if (!notification || notification.userId !== payload.userId) return 'gone';
  const preferences = await getPreferences(em, notification.userId, deps.types);
  if (!preferences.inAppEnabled || preferences.types[notification.type]?.inApp === false) return 'in-app-off';
  await deps.publisher.publish(notification.userId, { name: 'new-notification', data: toNotificationView(notification) });
  return 'published';
}
