// `import { NotificationsClient } from 'tresta-notifications/client'`: the DOM-free client the
// <tresta-notifications> element is built on, for hosts that draw their own inbox.
export { NotificationsClient, type NotificationsClientOptions } from './notifications-client.js';
export { ApiError } from './api.js';
export type { ConnectionStatus } from './realtime-connection.js';
export type { SocketFactory } from './transports/websocket-transport.js';
export type {
  ArchiveChange,
  ListFilter,
  ListQuery,
  ListStatus,
  Notification,
  NotificationAction,
  NotificationPage,
  Preferences,
  PreferencesUpdate,
  ReadChange,
  RealtimeMessage,
  Severity,
  TokenProvider,
} from './types.js';
