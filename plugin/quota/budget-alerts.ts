import type { Alerter } from '../alerts/alerter.js';
import type { Alert } from '../alerts/slack.js';
import { secondsToNextUtcMidnight } from '../utc-day.js';

/** The seed's thresholds: a warning, a last call, and "normal mail now waits for tomorrow". */
const THRESHOLDS: ReadonlyArray<{ percent: number; severity: Alert['severity']; title: string }> = [
  { percent: 80, severity: 'warning', title: 'Email budget 80 % used' },
  { percent: 90, severity: 'critical', title: 'Email budget 90 % used' },
  { percent: 100, severity: 'exhausted', title: 'Email budget exhausted' },
];

/**
 * Warns Slack as the day's email budget fills up. Each threshold fires once per UTC day across
 * every process: the Alerter's `SET NX` on `alerts:email-budget:<day>:<percent>` decides who
 * sends, and the key lives until the day is over.
 */
export class BudgetAlerts {
  readonly #alerter: Alerter;
  readonly #limit: number;

  constructor(alerter: Alerter, dailyLimit: number) {
    this.#alerter = alerter;
    this.#limit = dailyLimit;
  }

  /** Called after each reservation with the day's count; `refused` when a normal email found the budget spent. */
  async check(day: string, used: number, refused: boolean, now: Date): Promise<void> {
    const percentUsed = refused ? 100 : Math.floor((used * 100) / this.#limit);
    const crossed = THRESHOLDS.filter((threshold) => percentUsed >= threshold.percent);
    await Promise.all(
      crossed.map((threshold) =>
        this.#alerter.raise(
          `email-budget:${day}:${threshold.percent}`,
          {
            severity: threshold.severity,
            title: threshold.title,
            text:
              threshold.percent < 100
                ? `Critical emails always go out; normal ones will wait for tomorrow once the budget is spent.`
                : `Normal-priority emails are deferred to the next UTC day; critical emails still go out.`,
            fields: [
              { title: 'Used', value: String(used) },
              { title: 'Limit', value: String(this.#limit) },
              { title: 'Remaining', value: String(Math.max(0, this.#limit - used)) },
              { title: 'Resets', value: `${day} 24:00 UTC` },
            ],
          },
          secondsToNextUtcMidnight(now) + 3_600,
        ),
      ),
    );
  }
}
