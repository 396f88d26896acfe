import type { NotificationView } from '../services/notification-view.js';

/**
 * The envelope every transport carries (CONTRACT.md, "Real-time messages"). Each message names the
 * notification ids it is about, so a client that receives it twice can drop the duplicate.
 */
export type RealtimeMessage =
  | { name: 'new-notification'; data: NotificationView }
  | { name: 'notifications-read'; data: ({ ids: string[] } | { all: true }) & { unreadCount: number } };

/** Delivers a message to every connected client of one user, wherever that client is connected. */
export interface Publisher {
  publish(userId: string, message: RealtimeMessage): Promise<void>;
}
