import { EntitySchema } from '@mikro-orm/core';

export type DigestFrequency = 'daily' | 'weekly' | 'off';
export type TypePreferences = Record<string, { inApp: boolean; email: boolean }>;

export interface NotificationPreference {
  userId: string;
  emailEnabled: boolean;
  inAppEnabled: boolean;
  digest: DigestFrequency;
  types: TypePreferences;
  updatedAt: Date;
}

export const NotificationPreferenceSchema = new EntitySchema<NotificationPreference>({
  name: 'TrestaNotificationPreference',
  tableName: 'tresta_notification_preferences',
  properties: {
    userId: { type: 'text', primary: true },
    emailEnabled: { type: 'boolean', default: true },
    inAppEnabled: { type: 'boolean', default: true },
    digest: { type: 'text', default: 'daily' },
    types: { type: 'jsonb', defaultRaw: "'{}'" },
    updatedAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
});
