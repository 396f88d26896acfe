// The real-time side of the API: what GET /api/notifications/realtime answers, and the messages
// every transport (the built-in WebSocket, Ably) delivers.
import type { NotificationView } from './notification.js';
import type { PushOffer } from './push.js';

/** Some (`ids`) or all of a user's notifications were read. */
export type ReadChange = ({ ids: string[] } | { all: true }) & { unreadCount: number };

/**
 * Notifications were archived: some (`ids`), or every read one (`allRead`, from archive-read); with
 * `isArchived: false`, the ids came back to the inbox.
 */
export type ArchivedChange = ({ ids: string[] } | { allRead: true }) & { isArchived: boolean; unreadCount: number };

/**
 * The envelope every transport carries. Each message names the notification ids it is about, so a
 * client that receives it twice can drop the duplicate.
 */
export type RealtimeMessage =
  | { name: 'new-notification'; data: NotificationView }
  | { name: 'notifications-read'; data: ReadChange }
  | { name: 'notifications-archived'; data: ArchivedChange };

/** Ably client options that say where Ably is, never how to authenticate: the ones a browser may be given. */
export interface AblyBrowserOptions {
  endpoint?: string;
  environment?: string;
  restHost?: string;
  realtimeHost?: string;
  port?: number;
  tlsPort?: number;
  tls?: boolean;
}

export type RealtimeTransport = 'ably' | 'websocket' | 'polling';

/** GET /api/notifications/realtime: what this browser may connect to, best first. */
export interface RealtimeOffer {
  transports: RealtimeTransport[];
  websocket: { url: string };
  /** Client options only when the server points Ably elsewhere than its default. */
  ably?: { tokenUrl: string; channel: string; clientOptions?: AblyBrowserOptions };
  pollIntervalMs: number;
  push?: PushOffer;
}
