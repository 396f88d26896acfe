import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Mailer } from './mailer.js';

/**
 * Keeps each email in `tresta_mailbox` instead of sending it (ENABLE_REAL_EMAILS=false, or no
 * Resend key): everything up to the provider call runs for real, and the demo shows the result.
 * The idempotency key is unique there too, so a retried job keeps one copy.
 */
export function createMailboxMailer(orm: MikroORM): Mailer {
  return {
    send: async (email, idempotencyKey) => {
      const id = randomUUID();
      const [row] = await orm.em.getConnection().execute<Array<{ id: string }>>(
        `insert into tresta_mailbox (id, idempotency_key, "from", "to", subject, html, text, headers, tags)
         values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
         on conflict (idempotency_key) do update set idempotency_key = excluded.idempotency_key
         returning id`,
        [
          id,
          idempotencyKey,
          email.from,
          email.to,
          email.subject,
          email.html,
          email.text,
          JSON.stringify(email.headers),
          JSON.stringify(email.tags),
        ],
      );
      return { kind: 'sent', providerId: `mailbox-${row?.id ?? id}` };
    },
  };
}
