/**
 * How a notification type reaches the inbox:
 * - `immediate`: critical, emailed at once and never held back by the daily budget (still counted);
 * - `normal`: emailed one by one within the daily budget, deferred to the next UTC day once it is spent;
 * - `digest`: gathered into the user's daily or weekly digest;
 * - `none`: never emailed.
 */
export type EmailMode = 'immediate' | 'normal' | 'digest' | 'none';

/** The modes that send one email per notification, and the priority each is sent with. */
export const SINGLE_EMAIL_PRIORITY: Partial<Record<EmailMode, 'high' | 'normal'>> = { immediate: 'high', normal: 'normal' };

export interface NotificationTypeConfig {
  email: EmailMode;
  /**
   * In-app first; one email only if the notification is still unread this many minutes after it
   * was written, counted against the budget like a normal email. For types emailed singly
   * (`immediate` or `normal`).
   */
  escalateAfterMinutes?: number;
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

/** The seed's types: critical ones are emailed at once (bypassing the quota), the rest by digest. */
export const DEFAULT_NOTIFICATION_TYPES: Readonly<Record<string, NotificationTypeConfig>> = {
  NEW_TESTIMONIAL: { email: 'digest' },
  TESTIMONIAL_APPROVED: { email: 'digest' },
  TESTIMONIAL_REJECTED: { email: 'digest' },
  TESTIMONIAL_FLAGGED: { email: 'immediate' },
  SECURITY_ALERT: { email: 'immediate' },
};

export const TYPE_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
