import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema, type Notification } from '../db/entities/index.js';
import { toNotificationView, type NotificationView } from './notification-view.js';

/**
 * Marks one of the user's notifications read or unread. The owner is part of the update's
 * condition, so another user's id changes nothing and answers null (the route's 404).
 */
export async function markRead(
  em: EntityManager,
  input: { userId: string; id: string; isRead: boolean; now?: Date },
): Promise<NotificationView | null> {
  const [row] = await em
    .createQueryBuilder(NotificationSchema)
    .update({ isRead: input.isRead, readAt: input.isRead ? (input.now ?? new Date()) : null })
    .where({ id: input.id, userId: input.userId })
    .returning('*')
    .execute<Array<Record<string, unknown>>>('all', false);
  if (!row) return null;
  return toNotificationView(em.map(NotificationSchema, row) as Notification);
}
