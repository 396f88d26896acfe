import type { EntityManager } from '@mikro-orm/postgresql';
import { NotificationSchema } from '../db/entities/index.js';

export async function countUnread(em: EntityManager, userId: string): Promise<number> {
  return em.count(NotificationSchema, { userId, isRead: false });
}
