import type { Alerter } from '../alerts/alerter.js';
import type { Alert } from '../alerts/slack.js';
import { secondsToNextUtcMidnight } from '../time/utc-day.js';

/** The alert thresholds, of the daily limit (the provider's cap on all email). */
const THRESHOLDS: ReadonlyArray<{ percent: number; severity: Alert['severity']; title: string; text: string }> = [
  {
    percent: 80,
    severity: 'warning',
    title: 'Email budget 80 % used',
    text: 'Critical emails always go out; normal ones wait for tomorrow once only the critical reserve is left.',
  },
  {
    percent: 90,
    severity: 'critical',
    title: 'Email budget 90 % used',
    text: 'Critical emails always go out; normal ones wait for tomorrow once only the critical reserve is left.',
  },
  {
    percent: 100,
    severity: 'exhausted',
    title: 'Email budget exhausted',
    text: "The provider's daily cap is reached: it may refuse even critical emails until 00:00 UTC.",
  },
];

/**
 * Warns Slack as the day's email budget fills up: at 80, 90 and 100 % of the daily limit, and once
 * normal email starts to wait (only the critical reserve is left). Each alert fires once per UTC
 * day across every process: the Alerter's `SET NX` on `alerts:email-budget:<day>:<what>` decides
 * who sends, and the key lives until the day is over.
 */
export class BudgetAlerts {
  readonly #alerter: Alerter;
  readonly #limit: number;
  readonly #reserve: number;

  constructor(alerter: Alerter, dailyLimit: number, criticalReserve: number) {
    this.#alerter = alerter;
    this.#limit = dailyLimit;
    this.#reserve = criticalReserve;
  }

  /** Called after each reservation with the day's total; `refused` when a normal email found the budget spent. */
  async check(day: string, used: number, refused: boolean, now: Date): Promise<void> {
    const percentUsed = Math.floor((used * 100) / this.#limit);
    const fields = [
      { title: 'Used', value: String(used) },
      { title: 'Limit', value: String(this.#limit) },
      { title: 'Reserve', value: String(this.#reserve) },
      { title: 'Remaining', value: String(Math.max(0, this.#limit - this.#reserve - used)) },
      { title: 'Resets', value: `${day} 24:00 UTC` },
    ];
    const alerts = THRESHOLDS.filter((threshold) => percentUsed >= threshold.percent).map(
      ({ percent, severity, title, text }) => ({ key: String(percent), alert: { severity, title, text, fields } }),
    );
    if (refused || used >= this.#limit - this.#reserve) {
      alerts.push({
        key: 'normal-waits',
        alert: {
          severity: 'warning',
          title: 'Normal emails wait for tomorrow',
          text: 'Only the critical reserve is left today: normal and digest emails are deferred to the next UTC day; critical emails still go out.',
          fields,
        },
      });
    }
    const ttl = secondsToNextUtcMidnight(now) + 3_600;
    await Promise.all(alerts.map(({ key, alert }) => this.#alerter.raise(`email-budget:${day}:${key}`, alert, ttl)));
  }
}
