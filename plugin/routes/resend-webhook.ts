import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { applyProviderEvent, type ProviderEvent } from '../email/provider-events.js';
import { WebhookNotConfiguredError, WebhookSignatureError } from '../errors.js';
import { handleRouteError } from './error-handler.js';
import type { RouteContext } from './context.js';

export type ResendWebhookOptions = Pick<RouteContext, 'orm' | 'redis' | 'redisPrefix' | 'webhookSecret'>;

const MAX_EVENT_BYTES = 256 * 1024;

/** Resend signs with Svix's headers; Standard Webhooks names the same three without the brand. */
function signatureHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const pick = (name: string) => {
    const value = headers[`svix-${name}`] ?? headers[`webhook-${name}`];
    return typeof value === 'string' ? value : '';
  };
  return { 'webhook-id': pick('id'), 'webhook-timestamp': pick('timestamp'), 'webhook-signature': pick('signature') };
}

/** A string Postgres can store (it refuses NUL in text). */
const storable = (value: unknown): value is string => typeof value === 'string' && !value.includes('\u0000');

/** An instant Postgres can store: years 1 to 9999 (a later ISO year, "+010000-…", is refused). */
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
function storableInstant(value: unknown): value is string {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return at >= EARLIEST_INSTANT && at <= LATEST_INSTANT;
}

/**
 * The event in the shape applyProviderEvent reads, or null for anything else. Found by test/fuzz:
 * a signed event without `data`, or with `to` not a list of strings, threw (a 500, which Resend
 * retries for days); such an event is now answered 200 `ignored`.
 */
function asProviderEvent(value: unknown): ProviderEvent | null {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value) || typeof value.type !== 'string' || !isObject(value.data)) return null;
  const { email_id: emailId, to, bounce } = value.data;
  if (emailId !== undefined && !storable(emailId)) return null;
  if (to !== undefined && !(Array.isArray(to) && to.every(storable))) return null;
  if (bounce !== undefined && !(isObject(bounce) && (bounce.type === undefined || typeof bounce.type === 'string'))) return null;
  return {
    type: value.type,
    // Any other time reads as "now" (applyProviderEvent's rule for an unreadable one).
    created_at: storableInstant(value.created_at) ? value.created_at : '',
    data: {
      email_id: emailId as string | undefined,
      to: to as string[] | undefined,
      bounce: bounce as ProviderEvent['data']['bounce'],
    },
  };
}

/**
 * POST /api/notifications/webhooks/resend: delivery events from Resend. The signature is checked
 * over the raw body (standardwebhooks, which also refuses timestamps more than 5 minutes off);
 * each event is applied once, then answered 200 so Resend stops retrying.
 */
export async function resendWebhookRoute(app: FastifyInstance, options: ResendWebhookOptions): Promise<void> {
  app.setErrorHandler(handleRouteError);
  // The signature covers the exact bytes sent: keep the body as a string, parse it after verifying.
  // Resend posts JSON and nothing else; any other type is refused (415) before it is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const verifier = options.webhookSecret ? new Webhook(options.webhookSecret) : null;

  const schema = {
    summary: 'Delivery events from Resend (signed with Svix / Standard Webhooks headers)',
    response: {
      200: {
        type: 'object',
        required: ['received', 'outcome'],
        properties: { received: { type: 'boolean' }, outcome: { type: 'string', enum: ['processed', 'duplicate', 'ignored'] } },
      },
    },
  };
  app.post('/webhooks/resend', { schema, bodyLimit: MAX_EVENT_BYTES }, async (request) => {
    if (!verifier) throw new WebhookNotConfiguredError();
    const headers = signatureHeaders(request.headers);
    let verified: unknown;
    try {
      verified = verifier.verify(typeof request.body === 'string' ? request.body : '', headers);
    } catch {
      throw new WebhookSignatureError();
    }
    const event = asProviderEvent(verified);
    if (!event) return { received: true, outcome: 'ignored' };
    const outcome = await applyProviderEvent(
      { orm: options.orm, redis: options.redis, prefix: options.redisPrefix },
      headers['webhook-id'] as string,
      event,
    );
    request.log.info({ webhookId: headers['webhook-id'], eventType: event.type, outcome }, 'resend webhook');
    return { received: true, outcome };
  });
}
