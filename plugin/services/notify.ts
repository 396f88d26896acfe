import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Notification } from '../db/entities/index.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import { OUTBOX_CHANNEL } from '../outbox/relay.js';
import { OPEN_GROUP } from './grouping.js';
import type { NotificationView } from '../contract/index.js';
import { toNotificationView } from './notification-view.js';
import { validateNotification, type NotifyInput } from './validate-notification.js';

export interface NotifyDeps {
  /** The EntityManager to write with: the caller's (to join its transaction) or a fresh fork. */
  em: EntityManager;
  /** True when `em` is the caller's: a failure then belongs to the caller's transaction. */
  callerTransaction: boolean;
  types: Record<string, NotificationTypeConfig>;
  now?: () => Date;
}

// One statement writes the whole batch and its outbox rows, each grouped row joining its open group
// (see grouping.ts): a single statement is atomic by itself, so no BEGIN/COMMIT round trips are
// needed, and inside the caller's transaction it simply joins it (`em.execute` runs in the em's
// transaction context). The batch travels as one JSON parameter, so its size never changes the
// statement count.
const INSERT_WITH_OUTBOX = `
  with batch as (
    select * from jsonb_to_recordset(?::jsonb) as r(id uuid, outbox_id uuid, user_id text, type text, title text,
                                                   message text, link text, metadata jsonb, category text,
                                                   severity text, required boolean, actions jsonb, group_key text,
                                                   group_id uuid, created_at timestamptz)
  ), grouped as (
    select b.*, case when b.group_key is null then null else ${OPEN_GROUP} end as open_group_id from batch b
  ), written as (
    insert into tresta_notifications (id, user_id, type, title, message, link, metadata, category, severity, required,
                                      actions, group_key, group_id, created_at)
    select id, user_id, type, title, message, link, metadata, category, severity, required, actions, group_key,
           open_group_id, created_at
    from grouped
    returning id, group_id
  ), queued as (
    insert into tresta_outbox (id, notification_id, user_id, created_at)
    select outbox_id, id, user_id, created_at from batch
  )
  select id, group_id from written`;

// A hint to the outbox relay (the poll is the floor): see plugin/outbox/relay.ts.
const WAKE_RELAY = `select pg_notify('${OUTBOX_CHANNEL}', '')`;

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
  const batch = rows.map((row) => ({
    id: row.id,
    outbox_id: randomUUID(),
    user_id: row.userId,
    type: row.type,
    title: row.title,
    message: row.message,
    link: row.link,
    metadata: row.metadata,
    category: row.category,
    severity: row.severity,
    required: row.required,
    actions: row.actions,
    group_key: row.groupKey,
    group_id: row.groupId,
    created_at: row.createdAt.toISOString(),
  }));
  const written = await deps.em.execute<Array<{ id: string; group_id: string | null }>>(
    INSERT_WITH_OUTBOX,
    [JSON.stringify(batch)],
    'all',
  );
  const groupOf = new Map(written.map((row) => [row.id, row.group_id]));
  for (const row of rows) row.groupId = groupOf.get(row.id) ?? row.groupId;
  // Postgres delivers a NOTIFY only when its transaction commits. In the caller's transaction that
  // is exactly when the relay should wake; otherwise the insert has committed already, and the
  // hint goes separately so it never holds the commit-time NOTIFY lock of a write.
  await deps.em.execute(WAKE_RELAY, [], 'run').catch((error: unknown) => {
    if (deps.callerTransaction) throw error;
  });
  return rows.map(toNotificationView);
}

export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotificationView> {
  const [view] = await notifyMany(deps, [input]);
  return view as NotificationView;
}
