import webpush from 'web-push';
import type { WebPushSettings } from './settings.js';

export type PushSendOutcome =
  | { kind: 'sent'; status: number }
  /** 404/410: the browser unsubscribed or the subscription expired; it never comes back. */
  | { kind: 'gone'; status: number }
  /** 429, 5xx or no answer: worth another attempt, after retryAfterMs when the service said so. */
  | { kind: 'retry'; status: number | null; retryAfterMs: number | null; body: string }
  /** Any other refusal (400, 401, 403, 413): trying again changes nothing. */
  | { kind: 'failed'; status: number; body: string };

/** How long one request to a push service may take before it counts as no answer. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Encrypts the payload for the subscription (RFC 8291, aes128gcm) and signs a VAPID token for
 * the endpoint's origin (RFC 8292), both by web-push's generateRequestDetails; the request itself
 * goes by fetch, so its answer's status and Retry-After are read here, redirects are not followed
 * (an allowed endpoint cannot send us elsewhere), and a test's plain-http push service works.
 */
export async function sendWebPush(
  vapid: Pick<WebPushSettings, 'vapidPublicKey' | 'vapidPrivateKey' | 'subject'>,
  subscription: { endpoint: string; p256dh: string; auth: string },
  payload: string,
  delivery: { ttlSeconds: number; urgency: 'high' | 'normal' | 'low' },
): Promise<PushSendOutcome> {
  const details = webpush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
    payload,
    {
      vapidDetails: { subject: vapid.subject, publicKey: vapid.vapidPublicKey, privateKey: vapid.vapidPrivateKey },
      TTL: delivery.ttlSeconds,
      urgency: delivery.urgency,
      contentEncoding: 'aes128gcm',
    },
  );
  // fetch sets Content-Length from the body itself.
  const headers = Object.fromEntries(
    Object.entries(details.headers)
      .filter(([name]) => name.toLowerCase() !== 'content-length')
      .map(([name, value]) => [name, String(value)]),
  );
  let response: Response;
  try {
    response = await fetch(details.endpoint, {
      method: 'POST',
      headers,
      body: new Uint8Array(details.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: 'retry', status: null, retryAfterMs: null, body: (error as Error).message };
  }
  const { status } = response;
  const body = (await response.text().catch(() => '')).slice(0, 1_000);
  if (status >= 200 && status < 300) return { kind: 'sent', status };
  if (status === 404 || status === 410) return { kind: 'gone', status };
  if (status === 429 || status >= 500) {
    return { kind: 'retry', status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')), body };
  }
  return { kind: 'failed', status, body };
}
