import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema, type Notification } from '../db/entities/index.js';
import type { NotificationChange, NotificationView } from '../contract/index.js';
import { toNotificationView } from './notification-view.js';

/**
 * Marks one of the user's notifications read or unread, archived or not. The owner is part of the
 * update's condition, so another user's id changes nothing and answers null (the route's 404).
 */
export async function updateNotification(
  em: EntityManager,
  input: { userId: string; id: string; change: NotificationChange; now?: Date },
): Promise<NotificationView | null> {
  const now = input.now ?? new Date();
  const { isRead, isArchived } = input.change;
  const [row] = await em
    .createQueryBuilder(NotificationSchema)
    .update({
      ...(isRead === undefined ? {} : { isRead, readAt: isRead ? now : null }),
      ...(isArchived === undefined ? {} : { isArchived, archivedAt: isArchived ? now : null }),
    })
    .where({ id: input.id, userId: input.userId })
    .returning('*')
    .execute<Array<Record<string, unknown>>>('all', false);
  if (!row) return null;
  return toNotificationView(em.map(NotificationSchema, row) as Notification);
}
