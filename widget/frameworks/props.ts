import type { StringOverrides } from '../client/i18n/i18n.js';
import type { TokenProvider } from '../client/types.js';
import type { ItemIcons, RenderItem } from '../components/notification-item.js';
import type { TrestaTab } from '../components/tresta-notifications.js';

/** The attributes of `<tresta-notifications>` as a template writes them. */
export interface TrestaNotificationsAttributes {
  'api-base'?: string;
  token?: string;
  locale?: string;
  theme?: 'light' | 'dark' | 'auto';
  mode?: 'popover' | 'inline';
  'no-toasts'?: boolean;
}

/** Its properties: frameworks that set properties on custom elements (React 19, Vue) pass these as such. */
export interface TrestaNotificationsProperties {
  apiBase?: string;
  tokenProvider?: TokenProvider | null;
  tabs?: TrestaTab[];
  icons?: ItemIcons;
  renderItem?: RenderItem | null;
  strings?: StringOverrides;
  idleTimeoutMs?: number;
}
