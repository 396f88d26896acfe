import { randomUUID } from 'node:crypto';
import { InvalidNotificationError, UnknownTypeError } from '../errors.js';
import { typeMetadata, type NotificationTypeConfig } from '../notification-types.js';
import type { NotificationAction } from '../contract/index.js';
import type { Notification } from '../db/entities/index.js';

export interface NotifyInput {
  userId: string;
  type: string;
  title: string;
  message: string;
  link?: string | null;
  metadata?: Record<string, unknown>;
  /** At most 2 buttons, each `{ label, url, style? }`; urls are allow-listed like `link`. */
  actions?: NotificationAction[];
  /** Notifications of this type and key close together in time show as one inbox row with a count. */
  groupKey?: string | null;
}

export const LIMITS = {
  userId: 255,
  title: 200,
  message: 5_000,
  link: 2_048,
  metadataBytes: 16 * 1024,
  actions: 2,
  actionLabel: 40,
  groupKey: 200,
} as const;

const ACTION_STYLES = ['primary', 'secondary'] as const;
const ACTION_KEYS = new Set(['label', 'url', 'style']);

// Postgres text and jsonb hold neither NUL nor a lone UTF-16 surrogate. Found by test/fuzz: such a
// string passed validation and the insert then failed with a database error instead of a typed one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_REASON = 'must not contain NUL or unpaired surrogate characters';

/** True when Postgres stores the string as itself (no NUL, no unpaired surrogate). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

function requireText(input: Record<string, unknown>, field: 'userId' | 'title' | 'message'): string {
  const value = input[field];
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidNotificationError(field, 'must be a non-empty string');
  }
  if (value.length > LIMITS[field]) throw new InvalidNotificationError(field, `must be at most ${LIMITS[field]} characters`);
  if (UNSTORABLE.test(value)) throw new InvalidNotificationError(field, UNSTORABLE_REASON);
  return value;
}

/** True when every key and string in a JSON value can be stored (iterative: metadata may nest deeply). */
function isStorableJson(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return false;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return false;
        pending.push(child);
      }
    }
  }
  return true;
}

/** Only http(s) URLs and same-site relative paths: never `javascript:`, `data:` or `//evil.example`. */
export function isSafeLink(link: string): boolean {
  if (link.startsWith('/')) return !link.startsWith('//') && !link.startsWith('/\\');
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function validateLink(value: unknown, field = 'link'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidNotificationError(field, 'must be a string');
  if (value.length > LIMITS.link) throw new InvalidNotificationError(field, `must be at most ${LIMITS.link} characters`);
  if (/[\u0000-\u001f\s]/.test(value) || UNSTORABLE.test(value) || !isSafeLink(value)) {
    throw new InvalidNotificationError(field, 'must be an http(s) URL or a relative path starting with "/"');
  }
  return value;
}

function validateAction(value: unknown, at: number): NotificationAction {
  const field = `actions[${at}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidNotificationError(field, 'must be an object { label, url, style? }');
  }
  const action = value as Record<string, unknown>;
  const unknown = Object.keys(action).find((key) => !ACTION_KEYS.has(key));
  if (unknown !== undefined) throw new InvalidNotificationError(`${field}.${unknown}`, 'is not a key of an action');
  const { label, style } = action;
  if (typeof label !== 'string' || label.trim().length === 0) {
    throw new InvalidNotificationError(`${field}.label`, 'must be a non-empty string');
  }
  if (label.length > LIMITS.actionLabel) {
    throw new InvalidNotificationError(`${field}.label`, `must be at most ${LIMITS.actionLabel} characters`);
  }
  if (UNSTORABLE.test(label)) throw new InvalidNotificationError(`${field}.label`, UNSTORABLE_REASON);
  const url = validateLink(action.url, `${field}.url`);
  if (url === null) throw new InvalidNotificationError(`${field}.url`, 'is required');
  if (style !== undefined && !ACTION_STYLES.includes(style as (typeof ACTION_STYLES)[number])) {
    throw new InvalidNotificationError(`${field}.style`, `must be one of ${ACTION_STYLES.join(', ')}`);
  }
  return style === undefined ? { label, url } : { label, url, style: style as NotificationAction['style'] };
}

function validateActions(value: unknown): NotificationAction[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidNotificationError('actions', 'must be an array');
  if (value.length > LIMITS.actions) throw new InvalidNotificationError('actions', `must hold at most ${LIMITS.actions} actions`);
  return value.map(validateAction);
}

function validateGroupKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidNotificationError('groupKey', 'must be a non-empty string');
  if (value.length > LIMITS.groupKey)
    throw new InvalidNotificationError('groupKey', `must be at most ${LIMITS.groupKey} characters`);
  if (UNSTORABLE.test(value)) throw new InvalidNotificationError('groupKey', UNSTORABLE_REASON);
  return value;
}

function validateMetadata(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidNotificationError('metadata', 'must be a JSON object');
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    throw new InvalidNotificationError('metadata', 'must be serializable as JSON');
  }
  // Found by test/fuzz: `{ toJSON: () => undefined }` serializes to nothing (a TypeError below).
  if (json === undefined) throw new InvalidNotificationError('metadata', 'must be serializable as JSON');
  if (Buffer.byteLength(json) > LIMITS.metadataBytes) {
    throw new InvalidNotificationError('metadata', `must be at most ${LIMITS.metadataBytes} bytes as JSON`);
  }
  // Round-tripped so that what is stored is exactly what JSON can hold (no undefined, no Dates).
  const stored = JSON.parse(json) as unknown;
  // Found by test/fuzz: an object whose toJSON() answers a string or an array passed the check above
  // and was stored as that, not as an object.
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new InvalidNotificationError('metadata', 'must be a JSON object');
  }
  if (!isStorableJson(stored)) throw new InvalidNotificationError('metadata', UNSTORABLE_REASON);
  return stored as Record<string, unknown>;
}

/**
 * Checks one notify() input against the registered types and limits and returns the row to
 * write. Throws a typed 400 error before anything touches the database.
 */
export function validateNotification(input: unknown, types: Record<string, NotificationTypeConfig>, now: Date): Notification {
  if (typeof input !== 'object' || input === null) throw new InvalidNotificationError('input', 'must be an object');
  const fields = input as Record<string, unknown>;
  const userId = requireText(fields, 'userId');
  // Not String(type): an object whose toString is not callable would throw an untyped TypeError (found by test/fuzz).
  if (typeof fields.type !== 'string') throw new InvalidNotificationError('type', 'must be the name of a registered type');
  if (!Object.hasOwn(types, fields.type)) throw new UnknownTypeError(fields.type);
  const groupKey = validateGroupKey(fields.groupKey);
  const id = randomUUID();
  return {
    id,
    userId,
    type: fields.type,
    title: requireText(fields, 'title'),
    message: requireText(fields, 'message'),
    link: validateLink(fields.link),
    metadata: validateMetadata(fields.metadata),
    isRead: false,
    readAt: null,
    isArchived: false,
    archivedAt: null,
    ...typeMetadata(types[fields.type] as NotificationTypeConfig),
    actions: validateActions(fields.actions),
    groupKey,
    // A first guess, a group of its own: notify() joins the open group of this type and key, if any.
    groupId: groupKey === null ? null : id,
    createdAt: now,
  };
}
