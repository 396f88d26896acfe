import type { EntityManager } from '@mikro-orm/postgresql';
import { afterBindings, toPage } from './cursor.js';
import type { ListStatus, NotificationPage } from '../contract/index.js';
import { notificationColumns, rowToNotificationView, type NotificationRow } from './notification-view.js';
import { searchDocument, toSearchQuery } from './search-query.js';

export interface ListQuery {
  userId: string;
  limit: number;
  cursor?: string;
  status?: ListStatus;
  /** Unread only, within the status (the list's original parameter). */
  unreadOnly?: boolean;
  category?: string;
  type?: string;
  q?: string;
  /** One group's notifications, each on its own row (a collapsed row expanded). */
  groupId?: string;
}

// Fixed text per status: the only part of a condition that is not a bind value.
const STATUS_CONDITION: Record<ListStatus, (alias: string) => string> = {
  all: (a) => `${a}.is_archived = false`,
  unread: (a) => `${a}.is_archived = false and ${a}.is_read = false`,
  read: (a) => `${a}.is_archived = false and ${a}.is_read = true`,
  archived: (a) => `${a}.is_archived = true`,
};

/** The query's filters over a notification `alias`, with their bind values in order. */
function filters(query: ListQuery, alias: string): { sql: string; values: unknown[] } {
  const conditions = [`${alias}.user_id = ?`, STATUS_CONDITION[query.status ?? 'all'](alias)];
  const values: unknown[] = [query.userId];
  if (query.unreadOnly) conditions.push(`${alias}.is_read = false`);
  if (query.category !== undefined) {
    conditions.push(`${alias}.category = ?`);
    values.push(query.category);
  }
  if (query.type !== undefined) {
    conditions.push(`${alias}.type = ?`);
    values.push(query.type);
  }
  const search = query.q === undefined ? null : toSearchQuery(query.q);
  if (search !== null) {
    conditions.push(`${searchDocument(alias)} @@ to_tsquery('simple', ?)`);
    values.push(search);
  }
  if (query.groupId !== undefined) {
    conditions.push(`${alias}.group_id = ?`);
    values.push(query.groupId);
  }
  return { sql: conditions.join(' and '), values };
}

/**
 * A user's notifications, newest first, a page at a time. Keyset pagination over (createdAt, id):
 * rows with equal timestamps are ordered by id, so walking the pages returns every row once.
 *
 * A group collapses into one row: its newest notification that matches the filters, standing for
 * every one that does (their count on the row). A row is that newest one exactly when no newer
 * member matches, so each group is one position in the keyset order and the walk stays exact.
 * Expanding a group (`groupId`) lists its members one by one.
 */
export async function listNotifications(em: EntityManager, query: ListQuery): Promise<NotificationPage> {
  const page = filters(query, 'n');
  const member = filters(query, 'm');
  const collapse = query.groupId === undefined;
  // One statement: the page (limit + 1 rows), then each collapsed row's counts, for those rows only.
  const sql = `
    select page.*${
      collapse
        ? `, coalesce(counts.total, 1) as group_count,
           coalesce(counts.unread, case when page.is_read then 0 else 1 end) as group_unread_count`
        : ''
    }
    from (
      select ${notificationColumns('n')}, n.created_at as position_at
      from tresta_notifications n
      where ${page.sql}
        and (?::timestamptz is null or (n.created_at, n.id) < (?::timestamptz, ?::uuid))
        ${
          collapse
            ? `and (n.group_id is null or not exists (
                 select 1 from tresta_notifications m
                 where m.group_id = n.group_id and ${member.sql} and (m.created_at, m.id) > (n.created_at, n.id)))`
            : ''
        }
      order by n.created_at desc, n.id desc
      limit ?
    ) page
    ${
      collapse
        ? `left join lateral (
             select count(*)::int as total, (count(*) filter (where m.is_read = false))::int as unread
             from tresta_notifications m
             where m.group_id = page.group_id and ${member.sql}
           ) counts on page.group_id is not null`
        : ''
    }
    order by page.position_at desc, page.id desc`;
  const values = [
    ...page.values,
    ...afterBindings(query.cursor),
    ...(collapse ? member.values : []),
    query.limit + 1,
    ...(collapse ? member.values : []),
  ];
  const rows = await em.getConnection().execute<NotificationRow[]>(sql, values);
  return toPage(rows, query.limit, rowToNotificationView);
}
