// The shapes the widget receives from the plugin (CONTRACT.md). Dates arrive as ISO strings.

export type Severity = 'info' | 'success' | 'warning' | 'critical';

/** A button on a notification; the url passed the server's allow-list (http(s) or a same-site path). */
export interface NotificationAction {
  label: string;
  url: string;
  style?: 'primary' | 'secondary';
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: Record<string, unknown>;
  isRead: boolean;
  readAt: string | null;
  isArchived: boolean;
  archivedAt: string | null;
  category: string | null;
  severity: Severity;
  /** Preferences cannot turn this type off. */
  required: boolean;
  actions: NotificationAction[];
  groupKey: string | null;
  groupId: string | null;
  /** In a list page: the notifications this row stands for (a collapsed group), and how many are unread. */
  groupCount: number;
  groupUnreadCount: number;
  createdAt: string;
}

export interface NotificationPage {
  items: Notification[];
  nextCursor: string | null;
}

export type DigestFrequency = 'daily' | 'weekly' | 'off';

export interface Preferences {
  emailEnabled: boolean;
  inAppEnabled: boolean;
  digest: DigestFrequency;
  /** IANA time zone of the user's day: the digest goes out at digestHour there. */
  timeZone: string;
  /** The local hour (0–23) of the digest. */
  digestHour: number;
  /** Each type's channels (`push` only for a type sent as web push); `category` (null when none) is read-only, for grouping. */
  types: Record<string, { inApp: boolean; email: boolean; push?: boolean; required: boolean; category: string | null }>;
}

export type PreferencesUpdate = Partial<Omit<Preferences, 'types'>> & {
  types?: Record<string, Partial<{ inApp: boolean; email: boolean; push: boolean }>>;
};

/** How a browser subscribes to the server's web push (present when the server sends push). */
export interface PushOffer {
  /** The applicationServerKey (base64url). */
  vapidPublicKey: string;
  serviceWorkerUrl: string;
  subscriptionsUrl: string;
}

/** Ably client options the server lets a browser use (never a key). */
export interface AblyBrowserOptions {
  endpoint?: string;
  environment?: string;
  restHost?: string;
  realtimeHost?: string;
  port?: number;
  tlsPort?: number;
  tls?: boolean;
}

/** GET /api/notifications/realtime: what this browser may connect to, best first. */
export interface RealtimeOffer {
  transports: Array<'ably' | 'websocket' | 'polling'>;
  websocket: { url: string };
  ably?: { tokenUrl: string; channel: string; clientOptions?: AblyBrowserOptions };
  pollIntervalMs: number;
  push?: PushOffer;
}

export type ReadChange = ({ ids: string[] } | { all: true }) & { unreadCount: number };

/** Notifications archived (or brought back with `isArchived: false`) on some device. */
export type ArchiveChange = ({ ids: string[] } | { allRead: true }) & { isArchived: boolean; unreadCount: number };

/** The envelope every transport carries. */
export type RealtimeMessage =
  | { name: 'new-notification'; data: Notification }
  | { name: 'notifications-read'; data: ReadChange }
  | { name: 'notifications-archived'; data: ArchiveChange };

/** Which notifications a list shows: `all` is every one not archived. */
export type ListStatus = 'all' | 'unread' | 'read' | 'archived';

export interface ListFilter {
  status?: ListStatus;
  category?: string;
  type?: string;
  /** Searches title and message. */
  q?: string;
}

export interface ListQuery extends ListFilter {
  cursor?: string | null;
  limit?: number;
  /** One group's notifications, one by one (a group row's `groupId`). */
  group?: string;
}

/** Supplies a session token; called again when the server answers 401. */
export type TokenProvider = () => string | null | undefined | Promise<string | null | undefined>;
