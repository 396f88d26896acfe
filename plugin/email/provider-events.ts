import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../redis.js';

/** The Resend webhook events this service acts on (see Resend's webhook payloads). */
export interface ProviderEvent {
  type: string;
  created_at: string;
  data: { email_id?: string; to?: string[]; bounce?: { type?: string } };
}

export type ProviderEventOutcome = 'processed' | 'duplicate' | 'ignored';

// Webhooks are retried by the provider for days; the idempotency keys outlive that.
const IDEMPOTENCY_TTL_SECONDS = 7 * 86_400;

// The delivery's latest state from the provider; an older event arriving late never overwrites a newer one.
const RECORD_EVENT = `
  update tresta_email_deliveries
  set provider_event = ?, provider_event_at = ?, updated_at = now()
  where provider_message_id = ? and (provider_event_at is null or provider_event_at <= ?)`;

const SUPPRESS_ADDRESS = `
  insert into tresta_email_suppressions (email, reason) values (?, ?)
  on conflict (email) do nothing`;

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
  if (!state || !event.data.email_id) return 'ignored';
  const key = `${deps.prefix}:idempotency:${webhookId}:${event.type}`;
  if ((await deps.redis.set(key, '1', 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX')) !== 'OK') return 'duplicate';
  try {
    const at = new Date(event.created_at);
    const happenedAt = Number.isNaN(at.getTime()) ? new Date() : at;
    // `em.execute` runs in the transaction's context: the event and the suppression land together.
    await deps.orm.em.fork().transactional(async (em) => {
      await em.execute(RECORD_EVENT, [state, happenedAt, event.data.email_id, happenedAt], 'run');
      const reason = suppressionReason(event);
      for (const address of reason ? (event.data.to ?? []) : []) {
        await em.execute(SUPPRESS_ADDRESS, [address.toLowerCase(), reason], 'run');
      }
    });
    return 'processed';
  } catch (error) {
    await deps.redis.del(key).catch(() => undefined);
    throw error;
  }
}
