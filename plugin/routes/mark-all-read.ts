import type { FastifyInstance } from 'fastify';
import { announceRead } from '../services/announce-read.js';
import { markAllRead } from '../services/mark-all-read.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';

export function markAllReadRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/mark-all-read', {
    schema: {
      response: { 200: { type: 'object', required: ['updated'], properties: { updated: { type: 'integer' } } } },
    },
    handler: async (request) => {
      const em = ctx.orm.em.fork();
      const { userId } = currentUser(request);
      const updated = await markAllRead(em, { userId });
      if (updated > 0) await announceRead({ em, publisher: ctx.publisher, log: request.log }, userId, { all: true });
      return { updated };
    },
  });
}
