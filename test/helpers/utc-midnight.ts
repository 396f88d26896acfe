const MARGIN_MS = 3 * 60_000;

/**
 * The email budget, its counters and its lock are per UTC day: a test that counts "today's" emails
 * would see two days if midnight fell inside it. Called before such a test file runs: within three
 * minutes of midnight it waits for the new day (a known instant, not a guess), so every run checks
 * one day, whatever time CI starts.
 */
export async function awayFromUtcMidnight(): Promise<void> {
  const now = Date.now();
  const midnight = new Date(now).setUTCHours(24, 0, 0, 0);
  if (midnight - now > MARGIN_MS) return;
  console.error(`# waiting ${Math.ceil((midnight - now) / 1000)} s for UTC midnight to pass`);
  await new Promise((resolve) => setTimeout(resolve, midnight - now + 1_000));
}

/**
 * The digest's run fence is per UTC hour: a test that runs it twice "now" and expects the second
 * run to be fenced waits, within three minutes of the next hour, for that hour to begin.
 */
export async function awayFromTheHour(): Promise<void> {
  const now = Date.now();
  const nextHour = new Date(now).setUTCMinutes(60, 0, 0);
  if (nextHour - now > MARGIN_MS) return;
  console.error(`# waiting ${Math.ceil((nextHour - now) / 1000)} s for the hour to pass`);
  await new Promise((resolve) => setTimeout(resolve, nextHour - now + 1_000));
}
