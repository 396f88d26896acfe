import { isoColumn } from './iso-column.js';
import { EMAIL_ON, IN_APP_ON, PUSH_ON } from './preference-columns.js';

// Select lists over a notification `n` (and its owner's preferences `p`), shared by the statements
// that read notifications from two tables' modules: the notifications' own, and the outbox relay's
// claim, which joins the rows it claims to what their delivery needs.

/** The columns of a NotificationRow, from the notifications table under `alias`. */
export const notificationColumns = (alias: string) =>
  `${alias}.id, ${alias}.type, ${alias}.title, ${alias}.message, ${alias}.link, ${alias}.metadata, ${alias}.is_read,
   ${isoColumn(`${alias}.read_at`)} as read_at, ${alias}.is_archived, ${isoColumn(`${alias}.archived_at`)} as archived_at,
   ${alias}.category, ${alias}.severity, ${alias}.required, ${alias}.actions, ${alias}.group_key, ${alias}.group_id,
   ${isoColumn(`${alias}.created_at`)} as created_at`;

/** The columns of a DeliveryRow: the notification, its owner, and the channels its owner's preferences leave on. */
export const DELIVERY_COLUMNS = `${notificationColumns('n')}, n.user_id,
   ${IN_APP_ON} as in_app, ${EMAIL_ON} as email_on, ${PUSH_ON} as push_on`;
