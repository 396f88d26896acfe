// The Vue setup of docs/widget.md, type-checked against the built package by test/widget/frameworks.test.ts:
// with the typings, <tresta-notifications> is a known global component with typed props.
import { defineComponent, h, type GlobalComponents } from 'vue';
import type {} from 'tresta-notifications/vue';
import 'tresta-notifications/widget';

type Props = InstanceType<GlobalComponents['tresta-notifications']>['$props'];

export const props: Props = { 'api-base': '/api', theme: 'dark', tokenProvider: async () => 'token', mode: 'inline' };
// @ts-expect-error: an unknown mode is refused
export const wrong: Props = { mode: 'sidebar' };

export const NotificationBell = defineComponent({
  setup: () => () => h('tresta-notifications', { 'api-base': '/api', tokenProvider: () => 'token' }),
});
