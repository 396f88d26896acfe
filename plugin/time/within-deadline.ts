import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * True when `check` settles successfully within `deadlineMs`, false when it fails or is still
 * pending then: a dependency that hangs is reported down in bounded time instead of hanging the
 * caller. When the deadline fires, the answer waits one more turn of the event loop: after a
 * stall (a busy process) the timer and the reply are due together, timers run first, and the
 * reply already read from the socket must win over a deadline that only the stall made late.
 */
export async function answersWithin(check: () => Promise<unknown>, deadlineMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => void nextTurn().then(() => resolve(false)), deadlineMs);
  });
  try {
    // The check starts now, not on a later microtask: its request is on the wire before the
    // caller's next synchronous work, so a stall that follows cannot delay sending it.
    const answer = new Promise<unknown>((resolve) => resolve(check())).then(
      () => true,
      () => false,
    );
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
