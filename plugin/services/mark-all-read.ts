import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema } from '../db/entities/index.js';

/** Marks every unread notification of the user read; answers how many changed. */
export async function markAllRead(em: EntityManager, input: { userId: string; now?: Date }): Promise<number> {
  return em.nativeUpdate(
    NotificationSchema,
    { userId: input.userId, isRead: false },
    { isRead: true, readAt: input.now ?? new Date() },
  );
}
