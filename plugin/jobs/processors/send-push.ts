import { UnrecoverableError } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadForPush } from '../../data/notifications.js';
import type { PushSubscriptions } from '../../data/push-subscriptions.js';
import type { DailyCounters } from '../../metrics/daily-counters.js';
import { buildPushPayload, PUSH_DELIVERY } from '../../push/payload.js';
import type { PushClaims } from '../../push/push-claims.js';
import { sendWebPush } from '../../push/sender.js';
import type { WebPushSettings } from '../../push/settings.js';
import type { ProviderDetails } from '../../data/dead-letters.js';
import { parseSendPush, type RetryAfter } from '../registry.js';

export interface SendPushDeps {
  orm: MikroORM;
  webPush: WebPushSettings;
  subscriptions: PushSubscriptions;
  claims: PushClaims;
  counters: DailyCounters;
}

export type SendPushOutcome = 'sent' | 'already-sent' | 'push-off' | 'capped' | 'dropped' | 'gone';

/** A push service's answer worth another attempt (429, 5xx, no answer), with its Retry-After. */
class PushServiceError extends Error implements ProviderDetails, RetryAfter {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

class PermanentPushServiceError extends UnrecoverableError implements ProviderDetails {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly providerResponse: unknown,
  ) {
    super(message);
  }
}

/**
 * send-push — purpose: show one notification on one of its user's browsers (lock screen included)
 * through the browser's push service.
 * Input: { notificationId, subscriptionId, userId } (ids only; checked here: jobs outlive deploys).
 * Effects: at most one push per notification and subscription (a claim in Redis, taken before the
 * request), counted against the user's hourly cap (critical pushes are counted, never capped; a
 * push over the cap is dropped); the payload encrypted (aes128gcm) and signed (VAPID) by web-push,
 * its TTL and urgency from the severity; last_success_at recorded on success; the subscription
 * deleted when the push service answers 404/410 or its endpoint is no longer allowed; 429/5xx
 * retried after Retry-After (else the usual backoff), other refusals dead-lettered.
 * Output: what happened. Safe to run twice: the second run finds the claim and sends nothing.
 */
export async function sendPush(deps: SendPushDeps, data: unknown): Promise<SendPushOutcome> {
  const payload = parseSendPush(data);
  if (!payload) throw new UnrecoverableError('send-push: malformed payload');
  const subscription = await deps.subscriptions.load(payload.subscriptionId);
  // Unsubscribed since, or the browser now belongs to another user: this notification is not theirs.
  if (!subscription || subscription.user_id !== payload.userId) return 'gone';
  const notification = await loadForPush(deps.orm.em, payload.notificationId);
  if (!notification || notification.user_id !== payload.userId) return 'gone';
  // Turned off between the delivery and this job.
  if (!notification.push_on) return 'push-off';
  if (!isAllowed(deps.webPush, subscription.endpoint)) {
    await deps.subscriptions.drop(subscription.id);
    return 'dropped';
  }

  const pair = { userId: payload.userId, notificationId: notification.id, subscriptionId: subscription.id };
  const reservation = await deps.claims.reserve({ ...pair, critical: notification.severity === 'critical' });
  if (reservation.outcome === 'already-claimed') return 'already-sent';
  if (reservation.outcome === 'capped') {
    deps.counters.increment('pushes_capped').catch(() => undefined);
    return 'capped';
  }

  const outcome = await sendWebPush(
    deps.webPush,
    subscription,
    buildPushPayload(notification, deps.webPush.icon),
    PUSH_DELIVERY[notification.severity] ?? PUSH_DELIVERY.info,
  );
  switch (outcome.kind) {
    case 'sent':
      await deps.claims.sent(pair);
      await deps.subscriptions.recordSuccess(subscription.id);
      deps.counters.increment('pushes_sent').catch(() => undefined);
      return 'sent';
    case 'gone':
      await deps.subscriptions.drop(subscription.id);
      return 'dropped';
    case 'retry':
      await deps.claims.release(pair);
      throw new PushServiceError(
        `push service answered ${outcome.status ?? 'nothing'}; retrying`,
        outcome.status,
        outcome.body,
        outcome.retryAfterMs,
      );
    case 'failed':
      deps.counters.increment('pushes_failed').catch(() => undefined);
      throw new PermanentPushServiceError(`push service refused the push: ${outcome.status}`, outcome.status, outcome.body);
  }
}

function isAllowed(webPush: WebPushSettings, endpoint: string): boolean {
  try {
    return webPush.allowEndpoint(new URL(endpoint));
  } catch {
    return false;
  }
}
