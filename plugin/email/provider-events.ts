import type { MikroORM } from '@mikro-orm/postgresql';
import { recordProviderEvent } from '../data/email-deliveries.js';
import { suppressAddress } from '../data/email-suppressions.js';
import type { RedisClient } from '../redis/connect.js';

/** The Resend webhook events this service acts on (see Resend's webhook payloads). */
export interface ProviderEvent {
  type: string;
  created_at: string;
  data: { email_id?: string; to?: string[]; bounce?: { type?: string } };
}

export type ProviderEventOutcome = 'processed' | 'duplicate' | 'ignored';

// Webhooks are retried by the provider for days; the idempotency keys outlive that.
const IDEMPOTENCY_TTL_SECONDS = 7 * 86_400;

/** A hard bounce (the address does not exist) or a complaint: never email that address again. */
function suppressionReason(event: ProviderEvent): 'bounce' | 'complaint' | null {
  if (event.type === 'email.complained') return 'complaint';
  if (event.type === 'email.bounced' && event.data.bounce?.type?.toLowerCase() === 'permanent') return 'bounce';
  return null;
}

const TRACKED = new Map([
  ['email.delivered', 'delivered'],
  ['email.bounced', 'bounced'],
  ['email.complained', 'complained'],
  ['email.delivery_delayed', 'delivery_delayed'],
]);

/**
 * Applies one verified webhook event, once: `<prefix>:idempotency:<webhookId>:<eventType>` is
 * claimed with SET NX, and released again if applying fails so the provider's retry can succeed.
 * Applying twice would be harmless anyway (a guarded update, an insert that ignores conflicts):
 * the key spares the work and keeps the answer honest.
 */
export async function applyProviderEvent(
  deps: { orm: MikroORM; redis: RedisClient; prefix: string },
  webhookId: string,
  event: ProviderEvent,
): Promise<ProviderEventOutcome> {
  const state = TRACKED.get(event.type);
  const emailId = event.data.email_id;
  if (!state || !emailId) return 'ignored';
  const key = `${deps.prefix}:idempotency:${webhookId}:${event.type}`;
  if ((await deps.redis.set(key, '1', 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX')) !== 'OK') return 'duplicate';
  try {
    const at = new Date(event.created_at);
    const happenedAt = Number.isNaN(at.getTime()) ? new Date() : at;
    // On the transaction's entity manager: the event and the suppression land together.
    await deps.orm.em.fork().transactional(async (em) => {
      await recordProviderEvent(em, emailId, { state, at: happenedAt });
      const reason = suppressionReason(event);
      if (!reason) return;
      for (const address of event.data.to ?? []) await suppressAddress(em, address, reason);
    });
    return 'processed';
  } catch (error) {
    await deps.redis.del(key).catch(() => undefined);
    throw error;
  }
}
