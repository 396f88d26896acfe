import type { EntityManager } from '@mikro-orm/postgresql';
import type { Preferences, PreferencesUpdate } from '../contract/index.js';
import { findPreferences, lockPreferences, savePreferences } from '../data/preferences.js';
import type { TypePreferences } from '../db/entities/index.js';
import { InvalidPreferencesError, RequiredTypeError } from '../errors.js';
import { isTimeZone } from '../time/local-day.js';
import type { NotificationTypeConfig } from '../notification-types.js';

const DEFAULT_PREFERENCES = { emailEnabled: true, inAppEnabled: true, digest: 'daily', timeZone: 'UTC', digestHour: 9 } as const;

/** Every registered type with its effective setting: what is stored, or on by default; a required type always on. */
function withAllTypes(stored: TypePreferences, types: Record<string, NotificationTypeConfig>): Preferences['types'] {
  const result: Preferences['types'] = {};
  for (const [type, config] of Object.entries(types)) {
    const required = config.required === true;
    result[type] = {
      inApp: required || (stored[type]?.inApp ?? true),
      email: required || (stored[type]?.email ?? true),
      ...(config.push === true ? { push: required || (stored[type]?.push ?? true) } : {}),
      required,
      category: config.category ?? null,
    };
  }
  return result;
}

/**
 * Unknown types are refused, and so is turning a required type off (turning it on changes
 * nothing), and so is turning push on for a type that is never pushed (it would change nothing).
 */
function checkTypeChanges(update: PreferencesUpdate, types: Record<string, NotificationTypeConfig>): void {
  for (const [type, change] of Object.entries(update.types ?? {})) {
    if (!Object.hasOwn(types, type)) throw new InvalidPreferencesError(`unknown notification type "${type}"`);
    if (types[type]?.required && (change.inApp === false || change.email === false || change.push === false)) {
      throw new RequiredTypeError(type);
    }
    if (change.push === true && types[type]?.push !== true) {
      throw new InvalidPreferencesError(`notifications of type "${type}" are not sent as push`);
    }
  }
}

export async function getPreferences(
  em: EntityManager,
  userId: string,
  types: Record<string, NotificationTypeConfig>,
): Promise<Preferences> {
  const row = await findPreferences(em, userId);
  return {
    emailEnabled: row?.emailEnabled ?? DEFAULT_PREFERENCES.emailEnabled,
    inAppEnabled: row?.inAppEnabled ?? DEFAULT_PREFERENCES.inAppEnabled,
    digest: row?.digest ?? DEFAULT_PREFERENCES.digest,
    timeZone: row?.timeZone ?? DEFAULT_PREFERENCES.timeZone,
    digestHour: row?.digestHour ?? DEFAULT_PREFERENCES.digestHour,
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
  if (update.timeZone !== undefined && !isTimeZone(update.timeZone)) {
    throw new InvalidPreferencesError(`"timeZone" must be an IANA time zone such as "Europe/Paris", not "${update.timeZone}"`);
  }
  return em.transactional(async (tx) => {
    const current = await lockPreferences(tx, userId);
    const merged: TypePreferences = { ...(current?.types ?? {}) };
    for (const [type, change] of Object.entries(update.types ?? {})) {
      const before = merged[type] ?? { inApp: true, email: true };
      const push = change.push ?? before.push;
      merged[type] = {
        inApp: change.inApp ?? before.inApp,
        email: change.email ?? before.email,
        ...(push === undefined ? {} : { push }),
      };
    }
    const next = {
      userId,
      emailEnabled: update.emailEnabled ?? current?.emailEnabled ?? DEFAULT_PREFERENCES.emailEnabled,
      inAppEnabled: update.inAppEnabled ?? current?.inAppEnabled ?? DEFAULT_PREFERENCES.inAppEnabled,
      digest: update.digest ?? current?.digest ?? DEFAULT_PREFERENCES.digest,
      timeZone: update.timeZone ?? current?.timeZone ?? DEFAULT_PREFERENCES.timeZone,
      digestHour: update.digestHour ?? current?.digestHour ?? DEFAULT_PREFERENCES.digestHour,
      types: merged,
      updatedAt: new Date(),
    };
    await savePreferences(tx, next);
    return {
      emailEnabled: next.emailEnabled,
      inAppEnabled: next.inAppEnabled,
      digest: next.digest,
      timeZone: next.timeZone,
      digestHour: next.digestHour,
      types: withAllTypes(merged, types),
    };
  });
}
