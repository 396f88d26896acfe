/** A position in a list: the last row seen, as (createdAt, id), which is unique and total. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

/** The bind values of a keyset condition `(created_at, id) < (after)`, or nulls for the first page. */
export function keysetBindings(after: ListPosition | null): [string | null, string | null, string | null] {
  const time = after ? after.createdAt.toISOString() : null;
  return [time, time, after?.id ?? null];
}

/**
 * The keyset condition `(created_at, id) < (after)` on the rows of `alias`, as an `and …` to append,
 * with its bind values; nothing on the first page. Written only when there is a position (rather
 * than switched off by a null), it is an index condition on an index ending in (created_at, id):
 * the scan starts at the position, and a kept plan serves every later page alike.
 */
export function keysetBefore(alias: string, after: ListPosition | null): { sql: string; values: string[] } {
  if (!after) return { sql: '', values: [] };
  return {
    sql: `and (${alias}.created_at, ${alias}.id) < (?::timestamptz, ?::uuid)`,
    values: [after.createdAt.toISOString(), after.id],
  };
}
