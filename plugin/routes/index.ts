import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { RateLimitedError, UnauthorizedError } from '../errors.js';
import type { RouteContext } from './context.js';
import { adminRoutes } from './admin/index.js';
import { metricsScraper } from '../auth/metrics-token.js';
import { currentUser } from './current-user.js';
import { refuseCrossSiteWrites } from './cross-site.js';
import { handleRouteError } from './error-handler.js';
import { listNotificationsRoute } from './list-notifications.js';
import { archiveReadRoute, markAllReadRoute } from './mark-all-read.js';
import { preferencesRoutes } from './preferences.js';
import { pushServiceWorkerRoute } from './push-service-worker.js';
import { pushSubscriptionRoutes } from './push-subscriptions.js';
import { BatchedRateLimitStore } from './rate-limit-store.js';
import { ablyTokenRoute, realtimeRoute } from './realtime.js';
import { notificationSchema, preferencesSchema } from './schemas.js';
import { useStrictBodies } from './strict-bodies.js';
import { unreadCountRoute } from './unread-count.js';
import { updateNotificationRoute } from './update-notification.js';
import { widgetRoutes } from './widget.js';
import { healthRoutes } from './health.js';
import { openapiDocument, openapiRoute } from './openapi.js';
import { resendWebhookRoute } from './resend-webhook.js';
import { unsubscribeRoutes } from './unsubscribe.js';
import { websocketRoutes } from './websocket.js';

/** One group of the plugin's routes, registered under `prefix` with the one RouteContext. */
interface RouteGroup {
  routes: (app: FastifyInstance, ctx: RouteContext) => Promise<void>;
  prefix: string;
  enabled?: (ctx: RouteContext) => boolean;
}

/**
 * Every route of the plugin, in the order registered. The public ones (the widget bundle, the push
 * service worker) sit beside the authenticated API, outside its hooks; the WebSocket, the unsubscribe
 * page and the provider's webhook authenticate in their own ways.
 */
const ROUTE_GROUPS: readonly RouteGroup[] = [
  { routes: (app) => widgetRoutes(app), prefix: '' },
  { routes: pushServiceWorkerRoute, prefix: '' },
  { routes: authenticatedRoutes, prefix: '' },
  { routes: websocketRoutes, prefix: '/api/notifications' },
  { routes: unsubscribeRoutes, prefix: '/api/notifications' },
  { routes: resendWebhookRoute, prefix: '/api/notifications' },
  { routes: healthRoutes, prefix: '', enabled: (ctx) => ctx.healthRoutes },
];

/**
 * The plugin's routes, in one scope: the OpenAPI document sees them all and nothing of the host's,
 * and the `prefix` option moves them all at once.
 */
export async function pluginRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // Inside this scope, the hook times the plugin's routes only, never the host's. The label is the
  // route's template (`/api/notifications/:id`), never the URL: one series per route, whatever the ids.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    ctx.instanceMetrics.httpRequestDuration.observe(
      { route, method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  await openapiDocument(app, ctx.realtime.routePrefix);
  for (const group of ROUTE_GROUPS) {
    if (group.enabled?.(ctx) ?? true) await app.register(group.routes, { ...ctx, prefix: group.prefix });
  }
  openapiRoute(app);
}

/**
 * The authenticated API: /api/notifications, /api/ably/token and /admin. Its hooks (authentication, error
 * mapping) live in this encapsulated context, so the host's own routes never run them.
 */
async function authenticatedRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(notificationSchema);
  app.addSchema(preferencesSchema);
  useStrictBodies(app);
  app.decorateRequest('trestaUser', null);
  app.setErrorHandler(handleRouteError);
  // Bodies are JSON only: a cross-site HTML form can send text/plain (Fastify parses it by
  // default) but not application/json without a CORS preflight the host never grants.
  app.removeContentTypeParser('text/plain');
  if (ctx.auth.ambient) app.addHook('onRequest', refuseCrossSiteWrites(ctx.allowedOrigins));

  const scraper = metricsScraper(ctx.metricsToken, `${ctx.realtime.routePrefix}/admin/metrics`);
  app.addHook('onRequest', async (request, reply) => {
    const user = scraper(request) ?? (await ctx.auth.fromRequest(request));
    if (!user) throw new UnauthorizedError('missing or malformed credentials');
    request.trestaUser = user;
    // Every line this request logs from here on names its user (beside Fastify's request id).
    request.log = request.log.child({ userId: user.userId });
    reply.log = request.log;
  });

  // Per user, after authentication. Each instance decides in memory and shares its counts through
  // Redis in batches (BatchedRateLimitStore), so every instance enforces one budget, within a
  // bounded overshoot, without a Redis round trip per request.
  const store = new BatchedRateLimitStore(ctx.redis, ctx.redisPrefix, 'ratelimit:api:notifications');
  app.addHook('onClose', () => store.close());
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: ctx.rateLimitPerMinute,
    timeWindow: 60_000,
    store: store.forPlugin,
    keyGenerator: (request) => currentUser(request).userId,
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.ceil(context.ttl / 1000)),
  });

  await app.register(
    async (notifications) => {
      listNotificationsRoute(notifications, ctx);
      unreadCountRoute(notifications, ctx);
      updateNotificationRoute(notifications, ctx);
      markAllReadRoute(notifications, ctx);
      archiveReadRoute(notifications, ctx);
      preferencesRoutes(notifications, ctx);
      pushSubscriptionRoutes(notifications, ctx);
      realtimeRoute(notifications, ctx.realtime, ctx.webPush);
    },
    { prefix: '/api/notifications' },
  );
  await app.register(async (ably) => ablyTokenRoute(ably, ctx.realtime.ably), { prefix: '/api/ably' });
  await app.register(adminRoutes, { ...ctx, prefix: '/admin' });
}
