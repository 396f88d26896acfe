import type { Severity } from './contract/index.js';

/**
 * How a notification type reaches the inbox:
 * - `immediate`: critical, emailed at once and never held back by the daily budget (still counted);
 * - `normal`: emailed one by one within the daily budget, deferred to the next UTC day once it is spent;
 * - `digest`: gathered into the user's daily or weekly digest;
 * - `none`: never emailed.
 */
export type EmailMode = 'immediate' | 'normal' | 'digest' | 'none';

// A type's registration names its severity, so the name is offered here too; the wire contract declares it.
export type { Severity };

export const SEVERITIES: readonly Severity[] = ['info', 'success', 'warning', 'critical'];

/** The modes that send one email per notification, and the priority each is sent with. */
export const SINGLE_EMAIL_PRIORITY: Partial<Record<EmailMode, 'high' | 'normal'>> = { immediate: 'high', normal: 'normal' };

export interface NotificationTypeConfig {
  /** How the type is emailed: at once, one by one within the budget, in the digest, or never. */
  email: EmailMode;
  /** A short label the inbox can filter and group by (`?category=`); none by default. */
  category?: string;
  /**
   * How loudly the widget shows the type's notifications.
   * @defaultValue 'info'
   */
  severity?: Severity;
  /**
   * Preferences cannot turn this type's in-app, email or push delivery off.
   * @defaultValue false
   */
  required?: boolean;
  /**
   * In-app first; one email only if the notification is still unread this many minutes after it
   * was written, counted against the budget like a normal email. For types emailed singly
   * (`immediate` or `normal`).
   */
  escalateAfterMinutes?: number;
  /**
   * Also sent as a web push (a lock-screen notification) to the user's subscribed browsers, when
   * the plugin has `webPush` and the user's push preference for the type is on.
   * @defaultValue false
   */
  push?: boolean;
}

/** The priority of a type's single email, or null when it has none: an escalation is a normal email. */
export function singleEmailPriority(config: NotificationTypeConfig | undefined): 'high' | 'normal' | null {
  const priority = SINGLE_EMAIL_PRIORITY[config?.email ?? 'none'];
  if (!priority) return null;
  return config?.escalateAfterMinutes ? 'normal' : priority;
}

/** How long an escalating type's email waits, counted from the notification's creation; 0 for the others. */
export function escalationDelay(type: NotificationTypeConfig | undefined, createdAt: string | Date, now = Date.now()): number {
  if (!type?.escalateAfterMinutes) return 0;
  return Math.max(0, new Date(createdAt).getTime() + type.escalateAfterMinutes * 60_000 - now);
}

/** What every notification carries of its type, taken when it is written. */
export interface TypeMetadata {
  category: string | null;
  severity: Severity;
  required: boolean;
}

export function typeMetadata(config: NotificationTypeConfig): TypeMetadata {
  return { category: config.category ?? null, severity: config.severity ?? 'info', required: config.required === true };
}

/**
 * The built-in types: critical ones are emailed at once (bypassing the quota), the rest by digest. A
 * security alert is required: no preference switches it off.
 */
export const DEFAULT_NOTIFICATION_TYPES: Readonly<Record<string, NotificationTypeConfig>> = {
  NEW_TESTIMONIAL: { email: 'digest', category: 'testimonials' },
  TESTIMONIAL_APPROVED: { email: 'digest', category: 'testimonials', severity: 'success' },
  TESTIMONIAL_REJECTED: { email: 'digest', category: 'testimonials', severity: 'warning' },
  TESTIMONIAL_FLAGGED: { email: 'immediate', category: 'testimonials', severity: 'warning' },
  SECURITY_ALERT: { email: 'immediate', category: 'security', severity: 'critical', required: true },
};

export const TYPE_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A category: a short word or two the widget shows as a tab, and a query parameter. */
export const CATEGORY_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,39}$/u;
