// The effective preferences of a notification's owner, as SQL over a notification `n` left-joined
// to its owner's preferences `p`: a missing row, flag or type setting means "on" (the same rule
// as getPreferences), and a notification of a required type is always on. Used where one query
// loads the notification and its channels together.
export const IN_APP_ON = `(n.required or coalesce(p.in_app_enabled, true) and coalesce((p.types -> n.type ->> 'inApp')::boolean, true))`;
export const EMAIL_ON = `(n.required or coalesce(p.email_enabled, true) and coalesce((p.types -> n.type ->> 'email')::boolean, true))`;
// Push has no global switch: a user without a subscription gets none. A type's push is on unless turned off.
export const PUSH_ON = `(n.required or coalesce((p.types -> n.type ->> 'push')::boolean, true))`;
