import { EntitySchema } from '@mikro-orm/core';
import type { DigestFrequency } from '../../contract/index.js';

export type TypePreferences = Record<string, { inApp: boolean; email: boolean; push?: boolean }>;

export interface NotificationPreference {
  userId: string;
  emailEnabled: boolean;
  inAppEnabled: boolean;
  digest: DigestFrequency;
  types: TypePreferences;
  /** IANA time zone of the user's local day (the digest's hour and date). */
  timeZone: string;
  /** The local hour (0–23) the digest goes out at. */
  digestHour: number;
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
    timeZone: { type: 'text', default: 'UTC' },
    digestHour: { type: 'integer', default: 9 },
    updatedAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
});
