import type { NotificationView } from '../services/notification-view.js';

/** Some (`ids`) or all of a user's notifications were read. */
export type ReadChange = ({ ids: string[] } | { all: true }) & { unreadCount: number };

/**
 * Notifications were archived: some (`ids`), or every read one (`allRead`, from archive-read); with
 * `isArchived: false`, the ids came back to the inbox.
 */
export type ArchivedChange = ({ ids: string[] } | { allRead: true }) & { isArchived: boolean; unreadCount: number };

/**
 * The envelope every transport carries (CONTRACT.md, "Real-time messages"). Each message names the
 * notification ids it is about, so a client that receives it twice can drop the duplicate.
 */
export type RealtimeMessage =
  | { name: 'new-notification'; data: NotificationView }
  | { name: 'notifications-read'; data: ReadChange }
  | { name: 'notifications-archived'; data: ArchivedChange };

/** Delivers a message to every connected client of one user, wherever that client is connected. */
export interface Publisher {
  publish(userId: string, message: RealtimeMessage): Promise<void>;
}
