import type { FastifyInstance } from 'fastify';
import { countUnread } from '../data/notifications.js';
import type { UnreadCount } from '../contract/index.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { categoryQueryProperty, unreadCountSchema } from './schemas.js';

export function unreadCountRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { category?: string } }>('/unread-count', {
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { category: categoryQueryProperty } },
      response: { 200: unreadCountSchema },
    },
    handler: async (request): Promise<UnreadCount> => {
      const { userId } = currentUser(request);
      const { category } = request.query;
      // The inbox's count is cached per user (one GET when it is); a category's is counted in Postgres.
      const em = ctx.orm.em.fork();
      return {
        count: category === undefined ? await ctx.unreadCounts.count(em, userId) : await countUnread(em, { userId, category }),
      };
    },
  });
}
