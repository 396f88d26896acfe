import type { EntityManager } from '@mikro-orm/postgresql';
import { afterBindings, toPage } from './cursor.js';
import { isoColumn, rowToNotificationView, type NotificationRow, type NotificationView } from './notification-view.js';

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

// One statement straight to the view's columns: this is the widget's hottest read, and
// hydrating entities for a page that is only serialized cost more than the query itself.
const SELECT_PAGE = `
  select id, type, title, message, link, metadata, is_read, ${isoColumn('read_at')} as read_at, ${isoColumn('created_at')} as created_at
  from tresta_notifications
  where user_id = ? and (?::boolean is false or is_read = false)
    and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid))
  order by created_at desc, id desc
  limit ?`;

/**
 * A user's notifications, newest first, a page at a time. Keyset pagination over (createdAt, id):
 * rows with equal timestamps are ordered by id, so walking the pages returns every row once.
 */
export async function listNotifications(em: EntityManager, query: ListQuery): Promise<NotificationPage> {
  const rows = await em
    .getConnection()
    .execute<NotificationRow[]>(SELECT_PAGE, [
      query.userId,
      query.unreadOnly === true,
      ...afterBindings(query.cursor),
      query.limit + 1,
    ]);
  return toPage(rows, query.limit, rowToNotificationView);
}
