import type { FastifyInstance } from 'fastify';
import type { PushEndpointBody, PushSubscriptionBody, PushSubscriptionSaved } from '../contract/index.js';
import {
  InvalidPushSubscriptionError,
  PushEndpointRefusedError,
  PushNotConfiguredError,
  PushSubscriptionNotFoundError,
} from '../errors.js';
import { decodeBase64url, isP256PublicKey } from '../push/endpoint.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { pushEndpointBodySchema, pushSubscriptionBodySchema, pushSubscriptionSavedSchema } from './schemas.js';

// A subscription is a few hundred bytes; anything much larger is not one.
const BODY_LIMIT = 8 * 1024;

/** The endpoint as a URL the server may post to, or a 400 that says why not. */
function allowedEndpoint(ctx: RouteContext, endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidPushSubscriptionError('"endpoint" must be an absolute URL');
  }
  if (!ctx.webPush!.allowEndpoint(url)) throw new PushEndpointRefusedError();
  return url.href;
}

/** The browser's keys, refused unless encryption to them can work (RFC 8291). */
function checkedKeys(keys: PushSubscriptionBody['keys']): { p256dh: string; auth: string } {
  const p256dh = decodeBase64url(keys.p256dh);
  if (!p256dh || !isP256PublicKey(p256dh)) {
    throw new InvalidPushSubscriptionError('"keys.p256dh" must be an uncompressed P-256 public key (65 bytes, base64url)');
  }
  const auth = decodeBase64url(keys.auth);
  if (auth?.length !== 16) throw new InvalidPushSubscriptionError('"keys.auth" must be 16 bytes, base64url');
  return { p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') };
}

/**
 * POST and DELETE /api/notifications/push-subscriptions: the caller's browsers for web push.
 * Registered whether or not web push is configured (the API's shape stays one), answering 404
 * TRESTA_ERR_PUSH_NOT_CONFIGURED without `webPush`.
 */
export function pushSubscriptionRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: PushSubscriptionBody }>('/push-subscriptions', {
    bodyLimit: BODY_LIMIT,
    schema: {
      body: pushSubscriptionBodySchema,
      response: { 200: pushSubscriptionSavedSchema, 201: pushSubscriptionSavedSchema },
    },
    handler: async (request, reply) => {
      if (!ctx.webPush) throw new PushNotConfiguredError();
      const { userId } = currentUser(request);
      const endpoint = allowedEndpoint(ctx, request.body.endpoint);
      const keys = checkedKeys(request.body.keys);
      const userAgent = request.headers['user-agent']?.slice(0, 512) ?? null;
      const saved = await ctx.pushSubscriptions.save({ userId, endpoint, ...keys, userAgent });
      const answer: PushSubscriptionSaved = { endpoint, createdAt: saved.createdAt.toISOString() };
      return reply.status(saved.created ? 201 : 200).send(answer);
    },
  });

  app.delete<{ Body: PushEndpointBody }>('/push-subscriptions', {
    bodyLimit: BODY_LIMIT,
    schema: { body: pushEndpointBodySchema, response: { 204: { type: 'null', description: 'Removed' } } },
    handler: async (request, reply) => {
      if (!ctx.webPush) throw new PushNotConfiguredError();
      const { userId } = currentUser(request);
      // Stored as the URL parser writes it: the same spelling finds it.
      let endpoint = request.body.endpoint;
      try {
        endpoint = new URL(endpoint).href;
      } catch {
        throw new InvalidPushSubscriptionError('"endpoint" must be an absolute URL');
      }
      if (!(await ctx.pushSubscriptions.removeOwn(userId, endpoint))) throw new PushSubscriptionNotFoundError();
      return reply.status(204).send();
    },
  });
}
