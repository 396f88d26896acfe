import type { NotificationTypeConfig } from '../../plugin/index.js';

/** The host types of the fault suite, beside the defaults: one emailed singly at normal priority (the budget). */
export const FAULT_TYPES: Record<string, NotificationTypeConfig> = { FAULT_NORMAL: { email: 'normal' } };
