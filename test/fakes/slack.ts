import { http, HttpResponse } from 'msw';

export const SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/T000/B000/secretsecretsecret';

interface SlackMessage {
  text: string;
  attachments: Array<{
    color: string;
    title: string;
    text: string;
    fallback: string;
    fields: unknown[];
    footer: string;
    ts: number;
  }>;
}

/**
 * Slack's incoming webhook as it behaves (EXTERNAL-APIS.md, "Slack"): 200 with the plain-text
 * body "ok"; plain-text errors; 429 with Retry-After. Responses can be queued to inject errors.
 */
export function createSlackFake() {
  const received: SlackMessage[] = [];
  const queued: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];
  const handler = http.post(SLACK_WEBHOOK_URL, async ({ request }) => {
    received.push((await request.json()) as SlackMessage);
    const next = queued.shift() ?? { status: 200, body: 'ok' };
    return new HttpResponse(next.body, { status: next.status, headers: { 'content-type': 'text/plain', ...next.headers } });
  });
  return {
    handler,
    received,
    respondNext: (status: number, body: string, headers?: Record<string, string>) => queued.push({ status, body, headers }),
  };
}
