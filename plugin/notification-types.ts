/** How a notification type reaches the inbox: at once, in the daily digest, or not by email. */
export type EmailMode = 'immediate' | 'digest' | 'none';

export interface NotificationTypeConfig {
  email: EmailMode;
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
