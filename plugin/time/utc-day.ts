/** The UTC calendar day of an instant, as YYYY-MM-DD: the unit of the email budget and of daily metrics. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** The start of the next UTC day: when the email budget opens again. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

export function secondsToNextUtcMidnight(at: Date): number {
  return Math.max(1, Math.ceil((nextUtcMidnight(at).getTime() - at.getTime()) / 1000));
}
