import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../../errors.js';
import type { RouteContext } from '../context.js';
import { currentUser } from '../current-user.js';
import { deadLetterRoutes } from './dead-letters.js';
import { jobRoutes } from './jobs.js';
import { metricsRoute } from './metrics.js';

/** /admin: operators only (the `auth` option's admin role); everyone else gets 403. */
export async function adminRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // onRequest, right after authentication: a non-admin learns nothing (not even "bad input") from /admin.
  app.addHook('onRequest', async (request) => {
    if (!currentUser(request).isAdmin) throw new ForbiddenError();
  });
  deadLetterRoutes(app, ctx);
  metricsRoute(app, ctx);
  jobRoutes(app, ctx);
}
