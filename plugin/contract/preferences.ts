// What GET and PUT /api/notifications/preferences carry.

export type DigestFrequency = 'daily' | 'weekly' | 'off';

/**
 * A type's effective setting, whether it is required (always on, whatever is stored), and its
 * category (null when none, so a preferences screen can group the types); the category is
 * read-only. `push` is there only for a type sent as web push (registered with `push: true`), so a
 * screen shows that switch only where it does something.
 */
export interface TypePreference {
  inApp: boolean;
  email: boolean;
  push?: boolean;
  required: boolean;
  category: string | null;
}

export interface Preferences {
  emailEnabled: boolean;
  inAppEnabled: boolean;
  digest: DigestFrequency;
  /** IANA time zone of the user's local day: the digest goes out at digestHour there. */
  timeZone: string;
  /** The local hour (0–23) of the digest. */
  digestHour: number;
  /** Every registered type, by name. */
  types: Record<string, TypePreference>;
}

/** PUT's body: only what changes; a type's channels one by one. */
export type PreferencesUpdate = Partial<Omit<Preferences, 'types'>> & {
  types?: Record<string, Partial<{ inApp: boolean; email: boolean; push: boolean }>>;
};
