/**
 * Grouping: notifications of one user, one type and one host-given `groupKey` collapse into one
 * inbox row while they arrive within GROUP_WINDOW_MINUTES of the group's first notification. The
 * window is fixed from the first one, so a steady trickle starts a new row every hour rather than
 * growing one row for ever. A group is named by its first notification's id (`group_id`).
 */
export const GROUP_WINDOW_MINUTES = 60;

/**
 * The open group a batch row `b` joins: the newest group of its user, type and key whose first
 * notification is less than the window older than `b`; else the row's own guess (itself, or the
 * first row of the batch with the same user, type and key). Reads tresta_notifications_group_key_idx.
 */
export const OPEN_GROUP = `coalesce((
    select g.id from tresta_notifications g
    where g.user_id = b.user_id and g.type = b.type and g.group_key = b.group_key and g.id = g.group_id
      and g.created_at > b.created_at - interval '${GROUP_WINDOW_MINUTES} minutes' and g.created_at <= b.created_at
    order by g.created_at desc limit 1
  ), b.group_id)`;
