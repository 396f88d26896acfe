import type { EntityManager } from '@mikro-orm/postgresql';

// The badge polls this on every page of the host app: one statement on the partial unread index
// (archived notifications have left the inbox and the count), no entity hydration.
const COUNT_UNREAD = `select count(*)::int as count from tresta_notifications
  where user_id = ? and is_read = false and is_archived = false`;
const COUNT_UNREAD_IN_CATEGORY = `${COUNT_UNREAD} and category = ?`;

/** Unread notifications in the inbox, every one counted (a collapsed group counts each of its notifications). */
export async function countUnread(em: EntityManager, query: { userId: string; category?: string }): Promise<number> {
  const [row] = await em
    .getConnection()
    .execute<Array<{ count: number }>>(
      query.category === undefined ? COUNT_UNREAD : COUNT_UNREAD_IN_CATEGORY,
      query.category === undefined ? [query.userId] : [query.userId, query.category],
    );
  return row?.count ?? 0;
}
