export interface Alert {
  title: string;
  text: string;
  severity: 'warning' | 'critical' | 'exhausted' | 'resolved';
  fields?: Array<{ title: string; value: string }>;
}

// Slack's named colours, and a darker red for "nothing left" so it stands apart from "critical".
const COLORS: Record<Alert['severity'], string> = {
  warning: 'warning',
  critical: 'danger',
  exhausted: '#7f1d1d',
  resolved: 'good',
};
const TIMEOUT_MS = 5_000;
const MAX_RETRY_AFTER_S = 60;

export type SendAlert = (alert: Alert) => Promise<boolean>;

/**
 * Posts to a Slack incoming webhook. Never throws and never waits
 * longer than a few seconds: an alert must not block or fail the work that raised it. On 429 it
 * tries once more after Retry-After, in the background. Answers whether Slack said "ok".
 */
export function createSlackSender(webhookUrl: string, log: { warn: (obj: object, msg: string) => void }): SendAlert {
  const post = async (alert: Alert): Promise<Response> =>
    fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      body: JSON.stringify({
        text: alert.title,
        attachments: [
          {
            color: COLORS[alert.severity],
            fallback: `${alert.title}: ${alert.text}`,
            title: alert.title,
            text: alert.text,
            fields: (alert.fields ?? []).map((field) => ({ ...field, short: true })),
            footer: 'Tresta Notifications',
            ts: Math.floor(Date.now() / 1000),
          },
        ],
      }),
    });

  const send: SendAlert = async (alert) => {
    try {
      const response = await post(alert);
      if (response.status === 429) {
        const wait = Math.min(Number(response.headers.get('retry-after')) || 1, MAX_RETRY_AFTER_S);
        setTimeout(() => void post(alert).catch(() => undefined), wait * 1000).unref();
        return false;
      }
      // The webhook URL is a secret: only Slack's status and its (plain-text) reason are logged.
      if (!response.ok)
        log.warn({ status: response.status, reason: (await response.text()).slice(0, 100) }, 'Slack refused an alert');
      return response.ok;
    } catch (error) {
      log.warn({ reason: (error as Error).name }, 'Slack could not be reached for an alert');
      return false;
    }
  };
  return send;
}
