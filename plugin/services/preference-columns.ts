// The effective preferences of a notification's owner, as SQL over a notification `n` left-joined
// to its owner's preferences `p`: a missing row, flag or type setting means "on" (the same rule
// as getPreferences). Used where one query loads the notification and its channels together.
export const IN_APP_ON = `coalesce(p.in_app_enabled, true) and coalesce((p.types -> n.type ->> 'inApp')::boolean, true)`;
export const EMAIL_ON = `coalesce(p.email_enabled, true) and coalesce((p.types -> n.type ->> 'email')::boolean, true)`;
