import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';

// Every statement on tresta_push_subscriptions: the browsers a user subscribed to web push.

/** Browsers one user may have subscribed at once; a new one beyond this replaces their oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

// An endpoint already known moves to the caller (a shared computer, a browser signed in as
// someone else): the push service delivers to that browser, whoever owned it before.
const UPSERT = `
  insert into tresta_push_subscriptions (id, user_id, endpoint, p256dh, auth, user_agent)
  values (?, ?, ?, ?, ?, ?)
  on conflict (endpoint) do update
  set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
      last_success_at = case when tresta_push_subscriptions.user_id = excluded.user_id
                             then tresta_push_subscriptions.last_success_at end
  returning id, created_at, (xmax = 0) as created`;

// The browser just saved stays; of the others, the newest keep their places.
const TRIM = `
  delete from tresta_push_subscriptions
  where user_id = ? and id <> ? and id not in (
    select id from tresta_push_subscriptions where user_id = ? and id <> ?
    order by created_at desc, id limit ${MAX_SUBSCRIPTIONS_PER_USER - 1})`;

const REMOVE_OWN = `delete from tresta_push_subscriptions where user_id = ? and endpoint = ?`;

const IDS_OF_USER = `select id from tresta_push_subscriptions where user_id = ? order by created_at`;

const LOAD = `select id, user_id, endpoint, p256dh, auth from tresta_push_subscriptions where id = ?`;

const RECORD_SUCCESS = `update tresta_push_subscriptions set last_success_at = now() where id = ?`;

const DROP = `delete from tresta_push_subscriptions where id = ?`;

export interface NewPushSubscription {
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string | null;
}

export interface StoredPushSubscription {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export function pushSubscriptions(orm: MikroORM) {
  const connection = () => orm.em.getConnection();
  return {
    /** Stores the browser's subscription for the user (moving it from another owner); keeps the user's newest few. */
    async save(input: NewPushSubscription): Promise<{ id: string; createdAt: Date; created: boolean }> {
      return orm.em.fork().transactional(async (tx) => {
        const [row] = await tx.execute<Array<{ id: string; created_at: Date; created: boolean }>>(UPSERT, [
          randomUUID(),
          input.userId,
          input.endpoint,
          input.p256dh,
          input.auth,
          input.userAgent,
        ]);
        await tx.execute(TRIM, [input.userId, row!.id, input.userId, row!.id], 'run');
        return { id: row!.id, createdAt: new Date(row!.created_at), created: row!.created };
      });
    },
    /** Deletes the user's own subscription of that endpoint; false when they have none. */
    async removeOwn(userId: string, endpoint: string): Promise<boolean> {
      const result = await connection().execute<{ affectedRows: number }>(REMOVE_OWN, [userId, endpoint], 'run');
      return result.affectedRows > 0;
    },
    async idsOfUser(userId: string): Promise<string[]> {
      return (await connection().execute<Array<{ id: string }>>(IDS_OF_USER, [userId])).map((row) => row.id);
    },
    async load(id: string): Promise<StoredPushSubscription | null> {
      const [row] = await connection().execute<StoredPushSubscription[]>(LOAD, [id]);
      return row ?? null;
    },
    async recordSuccess(id: string): Promise<void> {
      await connection().execute(RECORD_SUCCESS, [id], 'run');
    },
    /** The push service says the subscription is gone (404/410), or the endpoint is no longer allowed. */
    async drop(id: string): Promise<void> {
      await connection().execute(DROP, [id], 'run');
    },
  };
}

export type PushSubscriptions = ReturnType<typeof pushSubscriptions>;
