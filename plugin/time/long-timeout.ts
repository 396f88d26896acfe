/** setTimeout's delay is a 32-bit signed count of ms (≈ 24.8 days); a longer one fires at once. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/** Runs `callback` at the instant `at` (epoch ms), however far ahead, in steps setTimeout can hold. */
export function setLongTimeout(callback: () => void, at: number): LongTimeout {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remaining = at - Date.now();
    timer = setTimeout(remaining <= MAX_TIMER_DELAY_MS ? callback : arm, Math.max(0, Math.min(remaining, MAX_TIMER_DELAY_MS)));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
