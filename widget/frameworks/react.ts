// `import type {} from 'tresta-notifications/react'` (once, e.g. in a global.d.ts): JSX knows
// <tresta-notifications>, its attributes and — React 19 sets them as properties — its properties.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { TrestaNotificationsElement } from '../components/tresta-notifications.js';
import type { TrestaNotificationsAttributes, TrestaNotificationsProperties } from './props.js';

export type TrestaNotificationsJsxProps = DetailedHTMLProps<HTMLAttributes<TrestaNotificationsElement>, TrestaNotificationsElement> &
  TrestaNotificationsAttributes &
  TrestaNotificationsProperties;

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'tresta-notifications': TrestaNotificationsJsxProps;
    }
  }
}
