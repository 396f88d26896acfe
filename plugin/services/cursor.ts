import type { ListPosition } from '../data/keyset.js';
import { InvalidCursorError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// 9999-12-31T23:59:59.999Z. Found by test/fuzz: a later instant has a six-digit ISO year
// ("+010000-…") that Postgres refuses, so a crafted cursor answered 500 instead of 400.
const LATEST_CURSOR_EPOCH = 253_402_300_799_999;

/** Opaque to clients: base64url of `<epoch ms>.<uuid>`. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) throw new InvalidCursorError();
  const [millis, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  const epoch = Number(millis);
  if (
    rest.length > 0 ||
    !id ||
    !UUID.test(id) ||
    !/^\d{1,15}$/.test(millis ?? '') ||
    !Number.isSafeInteger(epoch) ||
    epoch > LATEST_CURSOR_EPOCH
  ) {
    throw new InvalidCursorError();
  }
  return { createdAt: new Date(epoch), id };
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that there is a next page,
 * whose cursor is the last returned row's position.
 */
export function toPage<Row extends { id: string; created_at: string }, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) : null,
  };
}
