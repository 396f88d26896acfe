/** The UTC calendar day of an instant, as YYYY-MM-DD: the unit of the email budget and of daily metrics. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

export function secondsToNextUtcMidnight(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}
