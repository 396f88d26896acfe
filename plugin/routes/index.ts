import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from '../errors.js';
import type { RouteContext } from './context.js';
import { handleRouteError } from './error-handler.js';
import { listNotificationsRoute } from './list-notifications.js';
import { markAllReadRoute } from './mark-all-read.js';
import { markReadRoute } from './mark-read.js';
import { preferencesRoutes } from './preferences.js';
import { errorSchema, notificationSchema, preferencesSchema } from './schemas.js';
import { unreadCountRoute } from './unread-count.js';

/**
 * The user-facing notification API, mounted at /api/notifications. Its hooks (authentication,
 * error mapping) live in this encapsulated context, so the host's own routes never run them.
 */
export async function notificationRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
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

  listNotificationsRoute(app, ctx);
  unreadCountRoute(app, ctx);
  markReadRoute(app, ctx);
  markAllReadRoute(app, ctx);
  preferencesRoutes(app, ctx);
}
