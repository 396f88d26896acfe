/** Selects a timestamp column already in the API's ISO form (millisecond precision, UTC). */
export const isoColumn = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
