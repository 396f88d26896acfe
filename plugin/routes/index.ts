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
import { ablyTokenRoute, realtimeRoute } from './realtime.js';
import { notificationSchema, preferencesSchema } from './schemas.js';
import { useStrictBodies } from './strict-bodies.js';
import { unreadCountRoute } from './unread-count.js';
import { updateNotificationRoute } from './update-notification.js';
import { widgetRoutes } from './widget.js';

/** The plugin's HTTP routes: the public widget bundle and push service worker beside the authenticated API, outside its hooks. */
export async function userRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await app.register(widgetRoutes);
  await app.register(pushServiceWorkerRoute);
  await app.register(authenticatedRoutes, ctx);
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

  // Per user, after authentication, counted in Redis so every instance shares one budget. With
  // Redis away the limit is skipped rather than failing reads that Postgres can still serve.
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: ctx.rateLimitPerMinute,
    timeWindow: 60_000,
    redis: ctx.redis,
    nameSpace: `${ctx.redisPrefix}:ratelimit:api:notifications:`,
    keyGenerator: (request) => currentUser(request).userId,
    skipOnError: true,
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
  await app.register(adminRoutes, { prefix: '/admin', ...ctx });
}
