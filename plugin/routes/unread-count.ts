import type { FastifyInstance } from 'fastify';
import { countUnread } from '../data/notifications.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { categoryQueryProperty } from './schemas.js';

export function unreadCountRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { category?: string } }>('/unread-count', {
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { category: categoryQueryProperty } },
      response: { 200: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } },
    },
    handler: async (request) => ({
      count: await countUnread(ctx.orm.em.fork(), { userId: currentUser(request).userId, category: request.query.category }),
    }),
  });
}
