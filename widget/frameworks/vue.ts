// `import type {} from 'tresta-notifications/vue'` (once, e.g. in env.d.ts): Vue templates type-check
// <tresta-notifications>. Tell Vue's compiler it is a custom element (compilerOptions.isCustomElement)
// so it binds properties such as :tokenProvider as properties.
import type { DefineComponent } from 'vue';
import type { TrestaNotificationsAttributes, TrestaNotificationsProperties } from './props.js';

export type TrestaNotificationsVueProps = TrestaNotificationsAttributes & TrestaNotificationsProperties;

declare module 'vue' {
  interface GlobalComponents {
    'tresta-notifications': DefineComponent<TrestaNotificationsVueProps>;
  }
}
