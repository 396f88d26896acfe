import { EntitySchema } from '@mikro-orm/core';

/** An address that must not be emailed again: it bounced hard or its owner complained. */
export interface EmailSuppression {
  email: string;
  reason: 'bounce' | 'complaint';
  createdAt: Date;
}

export const EmailSuppressionSchema = new EntitySchema<EmailSuppression>({
  name: 'TrestaEmailSuppression',
  tableName: 'tresta_email_suppressions',
  properties: {
    email: { type: 'text', primary: true },
    reason: { type: 'text' },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
});
