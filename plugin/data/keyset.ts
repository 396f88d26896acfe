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
