// tresta_notification_preferences: statements of the digest, email and maintenance jobs

// A notification's email setting, as SQL over a notification `n` left-joined to its owner's
// preferences `p`: a missing row, flag or type setting means "on" (the same rule as
// getPreferences), and a notification of a required type is always on. Used where one query
// loads the notification and whether it is emailed together.
export const EMAIL_ON = `(n.required or coalesce(p.email_enabled, true) and coalesce((p.types -> n.type ->> 'email')::boolean, true))`;
