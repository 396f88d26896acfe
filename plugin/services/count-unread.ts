import type { EntityManager } from '@mikro-orm/postgresql';

// The badge polls this on every page of the host app: one indexed statement, no entity hydration.
const COUNT_UNREAD = 'select count(*)::int as count from tresta_notifications where user_id = ? and is_read = false';

export async function countUnread(em: EntityManager, userId: string): Promise<number> {
  const [row] = await em.getConnection().execute<Array<{ count: number }>>(COUNT_UNREAD, [userId]);
  return row?.count ?? 0;
}
