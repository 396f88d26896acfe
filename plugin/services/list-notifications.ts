import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { NotificationView } from './notification-view.js';

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

interface NotificationRow {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: Record<string, unknown>;
  is_read: boolean;
  read_at: string | null;
  created_at: string;
}

// One statement straight to the view's columns: this is the widget's hottest read, and
// hydrating entities for a page that is only serialized cost more than the query itself.
// Timestamps leave Postgres already in the API's ISO form.
const ISO = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const SELECT_PAGE = `
  select id, type, title, message, link, metadata, is_read, ${ISO('read_at')} as read_at, ${ISO('created_at')} as created_at
  from tresta_notifications
  where user_id = ? and (?::boolean is false or is_read = false)
    and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid))
  order by created_at desc, id desc
  limit ?`;

function toView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    message: row.message,
    link: row.link,
    metadata: row.metadata,
    isRead: row.is_read,
    readAt: row.read_at,
    createdAt: row.created_at,
  };
}

/**
 * A user's notifications, newest first, a page at a time. Keyset pagination over (createdAt, id):
 * rows with equal timestamps are ordered by id, so walking the pages returns every row once.
 */
export async function listNotifications(em: EntityManager, query: ListQuery): Promise<NotificationPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const afterTime = after ? after.createdAt.toISOString() : null;
  const rows = await em
    .getConnection()
    .execute<NotificationRow[]>(SELECT_PAGE, [
      query.userId,
      query.unreadOnly === true,
      afterTime,
      afterTime,
      after?.id ?? null,
      query.limit + 1,
    ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toView),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) : null,
  };
}
