import { DeadLetterSchema } from './dead-letter.js';
import { DigestRunSchema } from './digest-run.js';
import { EmailDeliverySchema } from './email-delivery.js';
import { EmailSuppressionSchema } from './email-suppression.js';
import { JobRunSchema } from './job-run.js';
import { MailboxMessageSchema } from './mailbox-message.js';
import { NotificationPreferenceSchema } from './notification-preference.js';
import { NotificationSchema } from './notification.js';
import { OutboxEntrySchema } from './outbox-entry.js';
import { PushSubscriptionSchema } from './push-subscription.js';
import { QuotaSnapshotSchema } from './quota-snapshot.js';

export type { DeadLetter, ErrorType, RetryAttempt } from './dead-letter.js';
export type { DigestRun, DigestRunStatus } from './digest-run.js';
export type { EmailDelivery, EmailDeliveryStatus, EmailPriority } from './email-delivery.js';
export type { EmailSuppression } from './email-suppression.js';
export type { JobRun, JobRunStatus } from './job-run.js';
export type { MailboxMessage } from './mailbox-message.js';
export type { NotificationPreference, TypePreferences } from './notification-preference.js';
export type { Notification } from './notification.js';
export type { OutboxEntry, OutboxStatus } from './outbox-entry.js';
export type { PushSubscription } from './push-subscription.js';
export type { QuotaSnapshot } from './quota-snapshot.js';
export {
  DeadLetterSchema,
  DigestRunSchema,
  EmailDeliverySchema,
  EmailSuppressionSchema,
  JobRunSchema,
  MailboxMessageSchema,
  NotificationPreferenceSchema,
  NotificationSchema,
  OutboxEntrySchema,
  PushSubscriptionSchema,
  QuotaSnapshotSchema,
};

/** Every entity of the plugin: a host sharing its own MikroORM adds these to its `entities`. */
export const trestaEntities = [
  NotificationSchema,
  NotificationPreferenceSchema,
  OutboxEntrySchema,
  EmailDeliverySchema,
  DeadLetterSchema,
  QuotaSnapshotSchema,
  DigestRunSchema,
  MailboxMessageSchema,
  EmailSuppressionSchema,
  JobRunSchema,
  PushSubscriptionSchema,
];

/**
 * The plugin's tables (its migrations table included), for the `schemaGenerator.skipTables` of a
 * host sharing its MikroORM: the host's schema tooling (`migration:create`, `schema:update`) then
 * leaves them to the plugin's own migrations instead of creating or dropping them.
 */
export const trestaSkipTables: RegExp[] = [/^tresta_/];
