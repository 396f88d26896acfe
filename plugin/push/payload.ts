import type { NotificationAction } from '../db/entities/index.js';
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
  notification: {
    id: string;
    type: string;
    title: string;
    message: string;
    link: string | null;
    severity: Severity;
    actions: NotificationAction[];
    created_at: Date | string;
  },
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
  let json = JSON.stringify(payload);
  while (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES && payload.message.length > 0) {
    const excess = Buffer.byteLength(json) - MAX_PAYLOAD_BYTES;
    payload.message = `${[...payload.message].slice(0, Math.max(0, [...payload.message].length - excess - 1)).join('')}…`;
    if (payload.message === '…') payload.message = '';
    json = JSON.stringify(payload);
  }
  return json;
}

/** How long a push service keeps a push for an offline browser, and how urgently it delivers it. */
export const PUSH_DELIVERY: Record<Severity, { ttlSeconds: number; urgency: 'high' | 'normal' | 'low' }> = {
  critical: { ttlSeconds: 24 * 3_600, urgency: 'high' },
  warning: { ttlSeconds: 12 * 3_600, urgency: 'normal' },
  info: { ttlSeconds: 4 * 3_600, urgency: 'normal' },
  success: { ttlSeconds: 4 * 3_600, urgency: 'low' },
};
