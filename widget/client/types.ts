// The shapes the widget receives from the plugin are the plugin's wire contract, imported as types
// only (no server code reaches the bundle) and offered here under the names the client has always
// used. What follows them is the client's own: how a caller asks for a list, and where tokens come from.
import type { ListStatus } from '../../plugin/contract/index.js';

export type {
  AblyBrowserOptions,
  ArchivedChange as ArchiveChange,
  DigestFrequency,
  ErrorBody,
  ListStatus,
  NotificationAction,
  NotificationPage,
  NotificationView as Notification,
  Preferences,
  PreferencesUpdate,
  PushOffer,
  PushSubscriptionSaved,
  ReadChange,
  RealtimeMessage,
  RealtimeOffer,
  Severity,
  UnreadCount,
  UpdatedCount,
} from '../../plugin/contract/index.js';

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
