import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { keepInMailbox } from '../data/mailbox.js';
import type { Mailer } from './mailer.js';

/**
 * Keeps each email in the local mailbox (data/mailbox.ts) instead of sending it (ENABLE_REAL_EMAILS=false, or no
 * Resend key): everything up to the provider call runs for real, and the demo shows the result.
 * The idempotency key is unique there too, so a retried job keeps one copy.
 */
export function createMailboxMailer(orm: MikroORM): Mailer {
  return {
    send: async (email, idempotencyKey) => {
      const id = randomUUID();
      const kept = await keepInMailbox(orm.em.getConnection(), { id, idempotencyKey, ...email });
      return { kind: 'sent', providerId: `mailbox-${kept ?? id}` };
    },
  };
}
