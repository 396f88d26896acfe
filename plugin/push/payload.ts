import type { NotificationContent } from '../contract/index.js';
import type { Severity } from '../notification-types.js';

/**
 * What a push carries to the service worker: no more than the inbox shows of the notification
 * (never its metadata). The service worker checks every link again before opening it.
 */
export interface PushPayload {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  icon: string | null;
  severity: Severity;
  actions: Array<{ label: string; url: string }>;
  createdAt: string;
}

// Push services take about 4 KB of encrypted payload (RFC 8291 leaves 3993 bytes of plaintext
// in one record); kept well under, so a long message is shortened rather than refused (413).
const MAX_PAYLOAD_BYTES = 3_000;

export function buildPushPayload(
  notification: NotificationContent & { severity: Severity; created_at: Date | string },
  icon: string | null,
): string {
  const payload: PushPayload = {
    id: notification.id,
    type: notification.type,
    title: notification.title,
    message: notification.message,
    link: notification.link,
    icon,
    severity: notification.severity,
    actions: notification.actions.map(({ label, url }) => ({ label, url })),
    createdAt: new Date(notification.created_at).toISOString(),
  };
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES) return json;
  // Keep whole characters of the message while their encoded bytes (as they stand in the JSON:
  // escaped, UTF-8) fit what the rest of the payload and the ellipsis leave.
  const budget = MAX_PAYLOAD_BYTES - Buffer.byteLength(JSON.stringify({ ...payload, message: '' })) - Buffer.byteLength('…');
  let kept = '';
  let used = 0;
  for (const char of payload.message) {
    const size = Buffer.byteLength(JSON.stringify(char)) - 2;
    if (used + size > budget) break;
    kept += char;
    used += size;
  }
  return JSON.stringify({ ...payload, message: kept.length > 0 ? `${kept}…` : '' });
}

/** How long a push service keeps a push for an offline browser, and how urgently it delivers it. */
export const PUSH_DELIVERY: Record<Severity, { ttlSeconds: number; urgency: 'high' | 'normal' | 'low' }> = {
  critical: { ttlSeconds: 24 * 3_600, urgency: 'high' },
  warning: { ttlSeconds: 12 * 3_600, urgency: 'normal' },
  info: { ttlSeconds: 4 * 3_600, urgency: 'normal' },
  success: { ttlSeconds: 4 * 3_600, urgency: 'low' },
};
