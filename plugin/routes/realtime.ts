import type { FastifyInstance } from 'fastify';
import type { AblyBrowserOptions, RealtimeOffer } from '../contract/index.js';
import { AblyNotConfiguredError, ChannelForbiddenError } from '../errors.js';
import { isChannelSafeUserId, userChannel, type AblyAdapter } from '../realtime/ably.js';
import { currentUser } from './current-user.js';
import { realtimeOfferSchema } from './schemas.js';

export interface RealtimeRouteOptions {
  ably: AblyAdapter | null;
  /** Ably is offered to widgets only when publishing to it is on (ENABLE_REAL_NOTIFICATIONS). */
  ablyPublishing: boolean;
  pollIntervalMs: number;
  /** The `prefix` option: the widget is told the routes' real paths. */
  routePrefix: string;
}

/** Where and how the widget subscribes; client options only when the server points Ably elsewhere. */
function ablyOffer(userId: string, browserOptions: AblyBrowserOptions, routePrefix: string): NonNullable<RealtimeOffer['ably']> {
  const clientOptions = Object.keys(browserOptions).length > 0 ? { clientOptions: browserOptions } : {};
  return { tokenUrl: `${routePrefix}/api/ably/token`, channel: userChannel(userId), ...clientOptions };
}

/**
 * Registered inside the authenticated notification routes (/api/notifications/realtime). With web
 * push on, it also tells the widget how to subscribe a browser: the VAPID public key, the service
 * worker's URL and the subscriptions route.
 */
export function realtimeRoute(
  app: FastifyInstance,
  options: RealtimeRouteOptions,
  webPush: { vapidPublicKey: string } | null,
): void {
  const push: Pick<RealtimeOffer, 'push'> = webPush
    ? {
        push: {
          vapidPublicKey: webPush.vapidPublicKey,
          serviceWorkerUrl: `${options.routePrefix}/api/notifications/push-sw.js`,
          subscriptionsUrl: `${options.routePrefix}/api/notifications/push-subscriptions`,
        },
      }
    : {};
  app.get('/realtime', {
    schema: { response: { 200: realtimeOfferSchema } },
    handler: async (request): Promise<RealtimeOffer> => {
      const { userId } = currentUser(request);
      const ably = options.ablyPublishing && isChannelSafeUserId(userId) ? options.ably : null;
      return {
        transports: ably ? ['ably', 'websocket', 'polling'] : ['websocket', 'polling'],
        websocket: { url: `${options.routePrefix}/api/notifications/ws` },
        ...(ably ? { ably: ablyOffer(userId, ably.browserOptions, options.routePrefix) } : {}),
        pollIntervalMs: options.pollIntervalMs,
        ...push,
      };
    },
  });
}

/** GET /api/ably/token, registered in an authenticated context of its own under /api/ably. */
export function ablyTokenRoute(app: FastifyInstance, ably: AblyAdapter | null): void {
  app.get('/token', async (request) => {
    if (!ably) throw new AblyNotConfiguredError();
    const { userId } = currentUser(request);
    // 403 tells ably-js to stop for good (error 80019): right, since this user can never subscribe.
    if (!isChannelSafeUserId(userId)) throw new ChannelForbiddenError();
    return ably.createTokenRequest(userId);
  });
}
