import { EntitySchema } from '@mikro-orm/core';

/**
 * An email as it would have been sent, kept when real sending is off (ENABLE_REAL_EMAILS=false,
 * or no Resend key): the demo's mailbox, and a record for development.
 */
export interface MailboxMessage {
  id: string;
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
  createdAt: Date;
}

export const MailboxMessageSchema = new EntitySchema<MailboxMessage>({
  name: 'TrestaMailboxMessage',
  tableName: 'tresta_mailbox',
  properties: {
    id: { type: 'uuid', primary: true },
    idempotencyKey: { type: 'text', unique: 'tresta_mailbox_idempotency_key_unique' },
    from: { type: 'text' },
    to: { type: 'text' },
    subject: { type: 'text' },
    html: { type: 'text' },
    text: { type: 'text' },
    headers: { type: 'jsonb', defaultRaw: "'{}'" },
    tags: { type: 'jsonb', defaultRaw: "'[]'" },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
  indexes: [{ name: 'tresta_mailbox_created_at_idx', properties: ['createdAt'] }],
});
