import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { NotificationPreferenceSchema, type NotificationPreference } from '../db/entities/index.js';

// Every use of tresta_notification_preferences' entity: a user's stored preferences, one row or none.

/** The user's stored preferences, or null when they never changed any. */
export async function findPreferences(em: EntityManager, userId: string): Promise<NotificationPreference | null> {
  return em.findOne(NotificationPreferenceSchema, { userId }, { disableIdentityMap: true });
}

/** The user's stored preferences, locked until the end of `tx`, the transaction about to change them. */
export async function lockPreferences(tx: EntityManager, userId: string): Promise<NotificationPreference | null> {
  return tx.findOne(NotificationPreferenceSchema, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Writes the user's whole preferences row, created or replaced, as one upsert. */
export async function savePreferences(tx: EntityManager, preferences: NotificationPreference): Promise<void> {
  await tx.upsert(NotificationPreferenceSchema, preferences);
}
