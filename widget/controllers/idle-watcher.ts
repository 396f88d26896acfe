/** Signs of a person at the keyboard: pointer, keys, and the page coming back into view. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
/** Activity is reported at most this often: pointer moves arrive by the hundred. */
const REPORT_EVERY_MS = 5_000;

/**
 * Calls `onIdle` after `timeoutMs` without activity and `onActivity` for activity (throttled),
 * including activity seen by other tabs (`touch()`).
 */
export class IdleWatcher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastReport = 0;
  private idle = false;

  constructor(
    private readonly timeoutMs: () => number,
    private readonly onIdle: () => void,
    private readonly onActivity: (local: boolean) => void,
  ) {}

  start(): void {
    for (const type of ACTIVITY_EVENTS) document.addEventListener(type, this.onLocalActivity, { passive: true, capture: true });
    document.addEventListener('visibilitychange', this.onVisibility);
    this.arm();
  }

  stop(): void {
    for (const type of ACTIVITY_EVENTS) document.removeEventListener(type, this.onLocalActivity, { capture: true });
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.timer);
  }

  /** Activity elsewhere (another tab): not idle. */
  touch(): void {
    this.activity(false);
  }

  private readonly onLocalActivity = () => this.activity(true);

  private readonly onVisibility = () => {
    if (document.visibilityState === 'visible') this.activity(true);
  };

  private activity(local: boolean): void {
    const now = Date.now();
    const wasIdle = this.idle;
    this.idle = false;
    this.arm();
    if (wasIdle || now - this.lastReport >= REPORT_EVERY_MS) {
      this.lastReport = now;
      this.onActivity(local);
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.idle = true;
      this.onIdle();
    }, this.timeoutMs());
  }
}
