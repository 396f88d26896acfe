import { EntitySchema } from '@mikro-orm/core';

/** folded: the budget was spent and the user has a digest: the notification goes in that digest instead. */
export type EmailDeliveryStatus = 'pending' | 'sent' | 'deferred' | 'folded' | 'suppressed' | 'failed';
export type EmailPriority = 'high' | 'normal';

/**
 * The delivery log: one row per email, unique per (notification, channel) so that a retried job
 * can never send twice. Postgres is the source of truth for the day's quota count when Redis
 * has lost its counters.
 */
export interface EmailDelivery {
  id: string;
  notificationId: string | null;
  digestRunId: string | null;
  userId: string;
  channel: string;
  recipient: string | null;
  /** How many recipients the email went to: the provider counts each against the quota. */
  recipients: number;
  priority: EmailPriority;
  status: EmailDeliveryStatus;
  idempotencyKey: string;
  providerMessageId: string | null;
  attempts: number;
  lastError: string | null;
  quotaDate: string | null;
  /** A deferred email (the budget was spent) is tried again from this moment: the next UTC day. */
  deferredUntil: Date | null;
  /** The provider's last word on the email after sending (its webhooks): delivered, bounced, complained. */
  providerEvent: string | null;
  providerEventAt: Date | null;
  /** The email as rendered by its first attempt (an OutgoingEmail): every retry sends these bytes. */
  content: unknown;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export const EmailDeliverySchema = new EntitySchema<EmailDelivery>({
  name: 'TrestaEmailDelivery',
  tableName: 'tresta_email_deliveries',
  properties: {
    id: { type: 'uuid', primary: true },
    notificationId: { type: 'uuid', nullable: true },
    digestRunId: { type: 'uuid', nullable: true },
    userId: { type: 'text' },
    channel: { type: 'text', default: 'email' },
    recipient: { type: 'text', nullable: true },
    recipients: { type: 'integer', default: 1 },
    priority: { type: 'text', default: 'normal' },
    status: { type: 'text', default: 'pending' },
    idempotencyKey: { type: 'text', unique: 'tresta_email_deliveries_idempotency_key_unique' },
    providerMessageId: { type: 'text', nullable: true },
    attempts: { type: 'integer', default: 0 },
    lastError: { type: 'text', nullable: true },
    quotaDate: { type: 'date', nullable: true },
    deferredUntil: { type: 'datetime', length: 3, nullable: true },
    providerEvent: { type: 'text', nullable: true },
    providerEventAt: { type: 'datetime', length: 3, nullable: true },
    content: { type: 'json', columnType: 'json', nullable: true },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    sentAt: { type: 'datetime', length: 3, nullable: true },
  },
  uniques: [{ name: 'tresta_email_deliveries_notification_channel_unique', properties: ['notificationId', 'channel'] }],
  indexes: [
    { name: 'tresta_email_deliveries_quota_date_status_idx', properties: ['quotaDate', 'status'] },
    { name: 'tresta_email_deliveries_status_created_at_idx', properties: ['status', 'createdAt'] },
    { name: 'tresta_email_deliveries_provider_message_id_idx', properties: ['providerMessageId'] },
  ],
});
