import type { EntityManager } from '@mikro-orm/postgresql';
import { listPage, type NotificationFilter } from '../data/notifications.js';
import { decodeCursor, toPage } from './cursor.js';
import type { NotificationPage } from '../contract/index.js';
import { rowToNotificationView } from './notification-view.js';
import { toSearchQuery } from './search-query.js';

export interface ListQuery extends Omit<NotificationFilter, 'search'> {
  limit: number;
  cursor?: string;
  q?: string;
}

/**
 * A user's notifications, newest first, a page at a time; a group collapses into one row unless
 * `groupId` expands it (see listPage).
 */
export async function listNotifications(em: EntityManager, query: ListQuery): Promise<NotificationPage> {
  const { limit, cursor, q, ...filter } = query;
  const rows = await listPage(
    em,
    { ...filter, search: q === undefined ? null : toSearchQuery(q) },
    // One row more than the page: it only says that there is a next page.
    { after: cursor ? decodeCursor(cursor) : null, limit: limit + 1 },
  );
  return toPage(rows, limit, rowToNotificationView);
}
