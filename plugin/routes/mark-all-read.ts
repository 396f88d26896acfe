import type { FastifyInstance } from 'fastify';
import { archiveRead, markAllRead } from '../data/notifications.js';
import type { UpdatedCount } from '../contract/index.js';
import { announceArchived, announceRead } from '../services/announce-change.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { emptyBodySchema, updatedCountSchema } from './schemas.js';

const updatedResponse = { 200: updatedCountSchema };

export function markAllReadRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/mark-all-read', {
    schema: { body: emptyBodySchema, response: updatedResponse },
    handler: async (request): Promise<UpdatedCount> => {
      const em = ctx.orm.em.fork();
      const { userId } = currentUser(request);
      const updated = await markAllRead(em, { userId });
      if (updated > 0) {
        await ctx.unreadCounts.forget([userId]);
        await announceRead({ em, publisher: ctx.publisher, unreadCounts: ctx.unreadCounts, log: request.log }, userId, {
          all: true,
        });
      }
      return { updated };
    },
  });
}

export function archiveReadRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/archive-read', {
    schema: { summary: 'Archives every read notification', body: emptyBodySchema, response: updatedResponse },
    handler: async (request): Promise<UpdatedCount> => {
      const em = ctx.orm.em.fork();
      const { userId } = currentUser(request);
      const updated = await archiveRead(em, { userId });
      if (updated > 0) {
        await ctx.unreadCounts.forget([userId]);
        const deps = { em, publisher: ctx.publisher, unreadCounts: ctx.unreadCounts, log: request.log };
        await announceArchived(deps, userId, { allRead: true, isArchived: true });
      }
      return { updated };
    },
  });
}
