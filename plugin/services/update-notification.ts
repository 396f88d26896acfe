import type { EntityManager } from '@mikro-orm/postgresql';
import { updateFlags } from '../data/notifications.js';
import type { NotificationChange, NotificationView } from '../contract/index.js';
import { toNotificationView } from './notification-view.js';

/**
 * Marks one of the user's notifications read or unread, archived or not. Another user's id changes
 * nothing and answers null (the route's 404).
 */
export async function updateNotification(
  em: EntityManager,
  input: { userId: string; id: string; change: NotificationChange; now?: Date },
): Promise<NotificationView | null> {
  const row = await updateFlags(em, { ...input, now: input.now ?? new Date() });
  return row ? toNotificationView(row) : null;
}
