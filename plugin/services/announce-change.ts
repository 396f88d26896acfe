import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Publisher } from '../realtime/messages.js';
import type { UnreadCounts } from './unread-counts.js';

export interface AnnounceDeps {
  em: EntityManager;
  publisher: Publisher;
  /** Read after the change was committed and its count dropped: the message carries the new count. */
  unreadCounts: UnreadCounts;
  log: FastifyBaseLogger;
}

/**
 * Tells the user's other tabs and devices what changed in their inbox, with the new unread count.
 * Best effort: the change is already committed, and a client that misses this message catches up
 * on its next fetch, so a Redis hiccup must not fail the request.
 */
async function announce(
  deps: AnnounceDeps,
  userId: string,
  message: (unreadCount: number) => Parameters<Publisher['publish']>[1],
): Promise<void> {
  try {
    const unreadCount = await deps.unreadCounts.count(deps.em, userId);
    await deps.publisher.publish(userId, message(unreadCount));
  } catch (error) {
    deps.log.warn({ err: error }, 'could not announce an inbox change');
  }
}

/** `notifications-read`: some (ids) or all of the user's notifications were read. */
export function announceRead(deps: AnnounceDeps, userId: string, read: { ids: string[] } | { all: true }): Promise<void> {
  return announce(deps, userId, (unreadCount) => ({ name: 'notifications-read', data: { ...read, unreadCount } }));
}

/** `notifications-archived`: notifications left the inbox (or came back to it, `isArchived: false`). */
export function announceArchived(
  deps: AnnounceDeps,
  userId: string,
  change: ({ ids: string[] } | { allRead: true }) & { isArchived: boolean },
): Promise<void> {
  return announce(deps, userId, (unreadCount) => ({ name: 'notifications-archived', data: { ...change, unreadCount } }));
}
