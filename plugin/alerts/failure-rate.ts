import type { Alerter } from './alerter.js';

const WINDOW_MS = 60_000;
const MIN_JOBS = 20;
const ALERT_RATIO = 0.5;
const QUIET_SECONDS = 900;

/**
 * Counts a queue's outcomes over the last minute and alerts when at least half of 20 or more jobs
 * failed (each failed attempt counts): a provider down or a bad deploy, not one bad payload.
 */
export class FailureRateWatch {
  readonly #outcomes: Array<{ at: number; failed: boolean }> = [];
  readonly #alerter: Alerter;
  readonly #queue: string;

  constructor(alerter: Alerter, queue: string) {
    this.#alerter = alerter;
    this.#queue = queue;
  }

  completed(): void {
    this.#record(false);
  }

  failed(): void {
    this.#record(true);
    const failures = this.#outcomes.filter((outcome) => outcome.failed).length;
    if (this.#outcomes.length < MIN_JOBS || failures / this.#outcomes.length < ALERT_RATIO) return;
    void this.#alerter.raise(
      `failure-rate-${this.#queue}`,
      {
        severity: 'critical',
        title: `Jobs are failing on the ${this.#queue} queue`,
        text: `${failures} of the last ${this.#outcomes.length} attempts failed within a minute.`,
        fields: [{ title: 'Queue', value: this.#queue }],
      },
      QUIET_SECONDS,
    );
  }

  #record(failed: boolean): void {
    const now = Date.now();
    this.#outcomes.push({ at: now, failed });
    while (this.#outcomes.length > 0 && (this.#outcomes[0]?.at ?? now) < now - WINDOW_MS) this.#outcomes.shift();
  }
}
