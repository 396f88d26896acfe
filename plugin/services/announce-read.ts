import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Publisher } from '../realtime/messages.js';
import { countUnread } from './count-unread.js';

/**
 * Tells the user's other tabs and devices that notifications were read, with the new unread
 * count. Best effort: the change is already committed, and a client that misses this message
 * catches up on its next fetch, so a Redis hiccup must not fail the request.
 */
export async function announceRead(
  deps: { em: EntityManager; publisher: Publisher; log: FastifyBaseLogger },
  userId: string,
  read: { ids: string[] } | { all: true },
): Promise<void> {
  try {
    const unreadCount = await countUnread(deps.em, userId);
    await deps.publisher.publish(userId, { name: 'notifications-read', data: { ...read, unreadCount } });
  } catch (error) {
    deps.log.warn({ err: error }, 'could not announce read notifications');
  }
}
