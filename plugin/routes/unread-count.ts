import type { FastifyInstance } from 'fastify';
import { countUnread } from '../services/count-unread.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';

export function unreadCountRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/unread-count', {
    schema: {
      response: { 200: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } },
    },
    handler: async (request) => ({ count: await countUnread(ctx.orm.em.fork(), currentUser(request).userId) }),
  });
}
