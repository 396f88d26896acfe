import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from '../errors.js';
import type { RouteContext } from './context.js';
import { handleRouteError } from './error-handler.js';
import { listNotificationsRoute } from './list-notifications.js';
import { markAllReadRoute } from './mark-all-read.js';
import { markReadRoute } from './mark-read.js';
import { preferencesRoutes } from './preferences.js';
import { ablyTokenRoute, realtimeRoute } from './realtime.js';
import { errorSchema, notificationSchema, preferencesSchema } from './schemas.js';
import { unreadCountRoute } from './unread-count.js';

/**
 * The user-facing API: /api/notifications and /api/ably/token. Its hooks (authentication, error
 * mapping) live in this encapsulated context, so the host's own routes never run them.
 */
export async function userRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addSchema(notificationSchema);
  app.addSchema(preferencesSchema);
  app.addSchema(errorSchema);
  app.decorateRequest('trestaUser', null);
  app.setErrorHandler(handleRouteError);

  app.addHook('onRequest', async (request) => {
    const user = await ctx.auth.fromRequest(request);
    if (!user) throw new UnauthorizedError('missing or malformed credentials');
    request.trestaUser = user;
  });

  await app.register(
    async (notifications) => {
      listNotificationsRoute(notifications, ctx);
      unreadCountRoute(notifications, ctx);
      markReadRoute(notifications, ctx);
      markAllReadRoute(notifications, ctx);
      preferencesRoutes(notifications, ctx);
      realtimeRoute(notifications, ctx.realtime);
    },
    { prefix: '/api/notifications' },
  );
  await app.register(async (ably) => ablyTokenRoute(ably, ctx.realtime.ably), { prefix: '/api/ably' });
}
