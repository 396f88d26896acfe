import type { FastifyInstance } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { applyProviderEvent, type ProviderEvent } from '../email/provider-events.js';
import { WebhookNotConfiguredError, WebhookSignatureError } from '../errors.js';
import { handleRouteError } from './error-handler.js';

export interface ResendWebhookOptions {
  orm: MikroORM;
  redis: Redis;
  redisPrefix: string;
  webhookSecret: string | null;
}

const MAX_EVENT_BYTES = 256 * 1024;

/** Resend signs with Svix's headers; Standard Webhooks names the same three without the brand. */
function signatureHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const pick = (name: string) => {
    const value = headers[`svix-${name}`] ?? headers[`webhook-${name}`];
    return typeof value === 'string' ? value : '';
  };
  return { 'webhook-id': pick('id'), 'webhook-timestamp': pick('timestamp'), 'webhook-signature': pick('signature') };
}

/**
 * POST /api/notifications/webhooks/resend: delivery events from Resend. The signature is checked
 * over the raw body (standardwebhooks, which also refuses timestamps more than 5 minutes off);
 * each event is applied once, then answered 200 so Resend stops retrying.
 */
export async function resendWebhookRoute(app: FastifyInstance, options: ResendWebhookOptions): Promise<void> {
  app.setErrorHandler(handleRouteError);
  // The signature covers the exact bytes sent: keep the body as a string, parse it after verifying.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_EVENT_BYTES }, (_request, body, done) =>
    done(null, body),
  );
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
  app.post('/webhooks/resend', { schema }, async (request) => {
    if (!verifier) throw new WebhookNotConfiguredError();
    const headers = signatureHeaders(request.headers);
    let event: ProviderEvent;
    try {
      event = verifier.verify(typeof request.body === 'string' ? request.body : '', headers) as ProviderEvent;
    } catch {
      throw new WebhookSignatureError();
    }
    const outcome = await applyProviderEvent(
      { orm: options.orm, redis: options.redis, prefix: options.redisPrefix },
      headers['webhook-id'] as string,
      event,
    );
    request.log.info({ webhookId: headers['webhook-id'], eventType: event.type, outcome }, 'resend webhook');
    return { received: true, outcome };
  });
}
