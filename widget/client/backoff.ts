export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };

/**
 * The wait before reconnect attempt `attempt` (0 = the first retry): exponential, capped, with
 * "equal jitter" — half of the step is fixed, half random — so a server restart is not met by every
 * browser at the same instant, yet no retry comes immediately after a failure.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}
