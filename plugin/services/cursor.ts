import { InvalidCursorError } from '../errors.js';

/** A position in a user's list: the last row seen, as (createdAt, id), which is unique and total. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of `<epoch ms>.<uuid>`. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) throw new InvalidCursorError();
  const [millis, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  const epoch = Number(millis);
  if (rest.length > 0 || !id || !UUID.test(id) || !/^\d{1,15}$/.test(millis ?? '') || !Number.isSafeInteger(epoch)) {
    throw new InvalidCursorError();
  }
  return { createdAt: new Date(epoch), id };
}
