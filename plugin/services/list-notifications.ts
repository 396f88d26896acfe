import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { NotificationSchema, type Notification } from '../db/entities/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { toNotificationView, type NotificationView } from './notification-view.js';

export interface ListQuery {
  userId: string;
  limit: number;
  cursor?: string;
  unreadOnly?: boolean;
}

export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
}

/**
 * A user's notifications, newest first, a page at a time. Keyset pagination over (createdAt, id):
 * rows with equal timestamps are ordered by id, so walking the pages returns every row once.
 */
export async function listNotifications(em: EntityManager, query: ListQuery): Promise<NotificationPage> {
  const where: FilterQuery<Notification> = { userId: query.userId };
  if (query.unreadOnly) where.isRead = false;
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    where.$or = [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }];
  }
  const rows = await em.find(NotificationSchema, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: query.limit + 1,
    disableIdentityMap: true,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toNotificationView),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
  };
}
