// `import 'tresta-notifications/widget'` (or <script type="module" src="/api/notifications/widget.js">)
// defines <tresta-notifications> and its inner elements.
import { defineTrestaNotifications } from './components/tresta-notifications.js';

defineTrestaNotifications();

export {
  TrestaNotificationsElement,
  type TrestaNotificationsEventMap,
  type TrestaReadDetail,
} from './components/tresta-notifications.js';
export type { ConnectionStatus } from './client/realtime-connection.js';
export type { StringOverrides } from './client/i18n/i18n.js';
export type { WidgetStrings, PluralForms } from './client/i18n/strings.js';
export type { Notification, Preferences, TokenProvider } from './client/types.js';
