import type { MailboxMessage } from '../db/entities/index.js';
import type { SqlExecutor } from './executor.js';

const KEEP = `insert into tresta_mailbox (id, idempotency_key, "from", "to", subject, html, text, headers, tags)
         values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
         on conflict (idempotency_key) do update set idempotency_key = excluded.idempotency_key
         returning id`;

/** Keeps an email under its idempotency key: the id of the row that holds it (an earlier copy's, if any). */
export async function keepInMailbox(db: SqlExecutor, message: Omit<MailboxMessage, 'createdAt'>): Promise<string | undefined> {
  const [row] = await db.execute<Array<{ id: string }>>(KEEP, [
    message.id,
    message.idempotencyKey,
    message.from,
    message.to,
    message.subject,
    message.html,
    message.text,
    JSON.stringify(message.headers),
    JSON.stringify(message.tags),
  ]);
  return row?.id;
}
