import type { EntityManager } from '@mikro-orm/postgresql';
import { insertWithOutbox } from '../data/notifications.js';
import { wakeRelay } from '../data/outbox.js';
import type { Notification } from '../db/entities/index.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import type { NotificationView } from '../contract/index.js';
import type { UnreadCounts } from './unread-counts.js';
import { toNotificationView } from './notification-view.js';
import { validateNotification, type NotifyInput } from './validate-notification.js';

export interface NotifyDeps {
  /** The EntityManager to write with: the caller's (to join its transaction) or a fresh fork. */
  em: EntityManager;
  /** True when `em` is the caller's: a failure then belongs to the caller's transaction. */
  callerTransaction: boolean;
  types: Record<string, NotificationTypeConfig>;
  /** The recipients' cached unread counts, dropped once the notifications are committed. */
  unreadCounts: UnreadCounts;
  now?: () => Date;
}

/**
 * Writes notifications and their outbox rows atomically. Every input is validated first, so a
 * bad one rejects the whole batch before anything is written. When `em` is inside a transaction
 * the write joins it: a caller that rolls back leaves neither row.
 */
export async function notifyMany(deps: NotifyDeps, inputs: readonly NotifyInput[]): Promise<NotificationView[]> {
  const now = deps.now?.() ?? new Date();
  const rows: Notification[] = inputs.map((input) => validateNotification(input, deps.types, now));
  if (rows.length === 0) return [];

  // Rows of one batch with the same user, type and key share the first one's group unless an open one exists.
  const firstOfGroup = new Map<string, string>();
  for (const row of rows) {
    if (row.groupKey === null) continue;
    const key = JSON.stringify([row.userId, row.type, row.groupKey]);
    row.groupId = firstOfGroup.get(key) ?? row.id;
    firstOfGroup.set(key, row.groupId);
  }
  const written = await insertWithOutbox(deps.em, rows);
  // The recipients' cached counts go once the rows are committed: now, or with the caller's transaction.
  await deps.unreadCounts.forgetAfterCommit(
    deps.em,
    rows.map((row) => row.userId),
  );
  const groupOf = new Map(written.map((row) => [row.id, row.group_id]));
  for (const row of rows) row.groupId = groupOf.get(row.id) ?? row.groupId;
  // Postgres delivers a NOTIFY only when its transaction commits. In the caller's transaction that
  // is exactly when the relay should wake; otherwise the insert has committed already, and the
  // hint goes separately so it never holds the commit-time NOTIFY lock of a write.
  await wakeRelay(deps.em).catch((error: unknown) => {
    if (deps.callerTransaction) throw error;
  });
  return rows.map(toNotificationView);
}

export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotificationView> {
  const [view] = await notifyMany(deps, [input]);
  return view as NotificationView;
}
