import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema } from '../db/entities/index.js';

/** Archives every read notification of the user still in the inbox; answers how many changed. */
export async function archiveRead(em: EntityManager, input: { userId: string; now?: Date }): Promise<number> {
  return em.nativeUpdate(
    NotificationSchema,
    { userId: input.userId, isRead: true, isArchived: false },
    { isArchived: true, archivedAt: input.now ?? new Date() },
  );
}
