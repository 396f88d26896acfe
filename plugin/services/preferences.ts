import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { NotificationPreferenceSchema, type DigestFrequency, type TypePreferences } from '../db/entities/index.js';
import { InvalidPreferencesError, RequiredTypeError } from '../errors.js';
import type { NotificationTypeConfig } from '../notification-types.js';

/** A type's effective setting, and whether it is required (always on, whatever is stored). */
export type TypePreferencesView = Record<string, { inApp: boolean; email: boolean; required: boolean }>;

export interface Preferences {
  emailEnabled: boolean;
  inAppEnabled: boolean;
  digest: DigestFrequency;
  types: TypePreferencesView;
}

export type PreferencesUpdate = Partial<Omit<Preferences, 'types'>> & {
  types?: Record<string, Partial<{ inApp: boolean; email: boolean }>>;
};

const DEFAULT_PREFERENCES = { emailEnabled: true, inAppEnabled: true, digest: 'daily' } as const;

/** Every registered type with its effective setting: what is stored, or on by default; a required type always on. */
function withAllTypes(stored: TypePreferences, types: Record<string, NotificationTypeConfig>): TypePreferencesView {
  const result: TypePreferencesView = {};
  for (const [type, config] of Object.entries(types)) {
    const required = config.required === true;
    result[type] = {
      inApp: required || (stored[type]?.inApp ?? true),
      email: required || (stored[type]?.email ?? true),
      required,
    };
  }
  return result;
}

/** Unknown types are refused, and so is turning a required type off (turning it on changes nothing). */
function checkTypeChanges(update: PreferencesUpdate, types: Record<string, NotificationTypeConfig>): void {
  for (const [type, change] of Object.entries(update.types ?? {})) {
    if (!Object.hasOwn(types, type)) throw new InvalidPreferencesError(`unknown notification type "${type}"`);
    if (types[type]?.required && (change.inApp === false || change.email === false)) throw new RequiredTypeError(type);
  }
}

export async function getPreferences(
  em: EntityManager,
  userId: string,
  types: Record<string, NotificationTypeConfig>,
): Promise<Preferences> {
  const row = await em.findOne(NotificationPreferenceSchema, { userId }, { disableIdentityMap: true });
  return {
    emailEnabled: row?.emailEnabled ?? DEFAULT_PREFERENCES.emailEnabled,
    inAppEnabled: row?.inAppEnabled ?? DEFAULT_PREFERENCES.inAppEnabled,
    digest: row?.digest ?? DEFAULT_PREFERENCES.digest,
    types: withAllTypes(row?.types ?? {}, types),
  };
}

/**
 * Applies a partial update (fields left out keep their value) and answers the whole result.
 * Unknown types, and a required type turned off, are refused; the write is one upsert, so concurrent updates never lose a row.
 */
export async function updatePreferences(
  em: EntityManager,
  userId: string,
  update: PreferencesUpdate,
  types: Record<string, NotificationTypeConfig>,
): Promise<Preferences> {
  checkTypeChanges(update, types);
  return em.transactional(async (tx) => {
    const current = await tx.findOne(NotificationPreferenceSchema, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const merged: TypePreferences = { ...(current?.types ?? {}) };
    for (const [type, change] of Object.entries(update.types ?? {})) {
      const before = merged[type] ?? { inApp: true, email: true };
      merged[type] = { inApp: change.inApp ?? before.inApp, email: change.email ?? before.email };
    }
    const next = {
      userId,
      emailEnabled: update.emailEnabled ?? current?.emailEnabled ?? DEFAULT_PREFERENCES.emailEnabled,
      inAppEnabled: update.inAppEnabled ?? current?.inAppEnabled ?? DEFAULT_PREFERENCES.inAppEnabled,
      digest: update.digest ?? current?.digest ?? DEFAULT_PREFERENCES.digest,
      types: merged,
      updatedAt: new Date(),
    };
    await tx.upsert(NotificationPreferenceSchema, next);
    return {
      emailEnabled: next.emailEnabled,
      inAppEnabled: next.inAppEnabled,
      digest: next.digest,
      types: withAllTypes(merged, types),
    };
  });
}
