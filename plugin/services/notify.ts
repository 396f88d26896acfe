import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Notification } from '../db/entities/index.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import { OUTBOX_CHANNEL } from '../outbox/relay.js';
import { toNotificationView, type NotificationView } from './notification-view.js';
import { validateNotification, type NotifyInput } from './validate-notification.js';

export interface NotifyDeps {
  /** The EntityManager to write with: the caller's (to join its transaction) or a fresh fork. */
  em: EntityManager;
  /** True when `em` is the caller's: the relay's wake-up then rides on the caller's commit. */
  callerTransaction: boolean;
  types: Record<string, NotificationTypeConfig>;
  now?: () => Date;
}

// Both inserts take the whole batch as one JSON parameter, so a batch costs two statements
// whatever its size, and they run through `em.execute`, which joins the em's transaction.
const INSERT_NOTIFICATIONS = `
  insert into tresta_notifications (id, user_id, type, title, message, link, metadata, created_at)
  select r.id, r.user_id, r.type, r.title, r.message, r.link, r.metadata, r.created_at
  from jsonb_to_recordset(?::jsonb) as r(id uuid, user_id text, type text, title text, message text,
                                         link text, metadata jsonb, created_at timestamptz)`;

const INSERT_OUTBOX = `
  insert into tresta_outbox (id, notification_id, user_id, created_at)
  select r.id, r.notification_id, r.user_id, r.created_at
  from jsonb_to_recordset(?::jsonb) as r(id uuid, notification_id uuid, user_id text, created_at timestamptz)`;

// A hint to the outbox relay (the poll is the floor): see plugin/outbox/relay.ts.
const WAKE_RELAY = `select pg_notify('${OUTBOX_CHANNEL}', '')`;

/**
 * Writes notifications and their outbox rows in one transaction. Every input is validated first,
 * so a bad one rejects the whole batch before anything is written. When `em` is already inside
 * a transaction the writes join it: a caller that rolls back leaves neither row.
 */
export async function notifyMany(deps: NotifyDeps, inputs: readonly NotifyInput[]): Promise<NotificationView[]> {
  const now = deps.now?.() ?? new Date();
  const rows: Notification[] = inputs.map((input) => validateNotification(input, deps.types, now));
  if (rows.length === 0) return [];

  const notifications = rows.map((row) => ({
    id: row.id,
    user_id: row.userId,
    type: row.type,
    title: row.title,
    message: row.message,
    link: row.link,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
  }));
  const outbox = rows.map((row) => ({
    id: randomUUID(),
    notification_id: row.id,
    user_id: row.userId,
    created_at: row.createdAt.toISOString(),
  }));

  await deps.em.transactional(async (tx) => {
    await tx.execute(INSERT_NOTIFICATIONS, [JSON.stringify(notifications)], 'run');
    await tx.execute(INSERT_OUTBOX, [JSON.stringify(outbox)], 'run');
    // Postgres delivers a NOTIFY only if the transaction commits. Inside the caller's transaction
    // that is the only moment that is right; for our own, it is sent after commit (below), so it
    // never holds the commit-time NOTIFY lock.
    if (deps.callerTransaction) await tx.execute(WAKE_RELAY, [], 'run');
  });
  if (!deps.callerTransaction) await deps.em.execute(WAKE_RELAY, [], 'run').catch(() => undefined);
  return rows.map(toNotificationView);
}

export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotificationView> {
  const [view] = await notifyMany(deps, [input]);
  return view as NotificationView;
}
