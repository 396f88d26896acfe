import type { FastifyInstance } from 'fastify';
import { markAllRead } from '../services/mark-all-read.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';

export function markAllReadRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/mark-all-read', {
    schema: {
      response: { 200: { type: 'object', required: ['updated'], properties: { updated: { type: 'integer' } } } },
    },
    handler: async (request) => ({ updated: await markAllRead(ctx.orm.em.fork(), { userId: currentUser(request).userId }) }),
  });
}
