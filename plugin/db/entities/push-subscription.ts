import { EntitySchema } from '@mikro-orm/core';

/** A browser's web push subscription: where its push service takes our pushes, and its keys. */
export interface PushSubscription {
  id: string;
  userId: string;
  /** The push service's URL for this browser; one owner at a time. */
  endpoint: string;
  /** The browser's P-256 public key (65 bytes, base64url), for payload encryption (RFC 8291). */
  p256dh: string;
  /** The browser's 16-byte authentication secret, base64url. */
  auth: string;
  userAgent: string | null;
  createdAt: Date;
  lastSuccessAt: Date | null;
}

export const PushSubscriptionSchema = new EntitySchema<PushSubscription>({
  name: 'TrestaPushSubscription',
  tableName: 'tresta_push_subscriptions',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'text', index: 'tresta_push_subscriptions_user_id_idx' },
    endpoint: { type: 'text', unique: 'tresta_push_subscriptions_endpoint_unique' },
    p256dh: { type: 'text' },
    auth: { type: 'text' },
    userAgent: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    lastSuccessAt: { type: 'datetime', length: 3, nullable: true },
  },
});
