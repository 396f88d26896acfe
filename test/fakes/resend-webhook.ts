import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * What Resend posts to a webhook endpoint: the event's JSON, signed with Svix's three headers
 * (Standard Webhooks: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the endpoint's `whsec_` secret).
 */
export function signedResendWebhook(secret: string, body: string, options: { id?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  return {
    method: 'POST' as const,
    url: '/api/notifications/webhooks/resend',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
      'svix-signature': new Webhook(secret).sign(id, at, body),
    },
    payload: body,
  };
}
