import type { FastifyInstance } from 'fastify';
import { NotificationNotFoundError } from '../errors.js';
import { markRead } from '../services/mark-read.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { idParamsSchema } from './schemas.js';

export function markReadRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.patch<{ Params: { id: string }; Body: { isRead: boolean } }>('/:id', {
    schema: {
      params: idParamsSchema,
      body: {
        type: 'object',
        required: ['isRead'],
        additionalProperties: false,
        properties: { isRead: { type: 'boolean' } },
      },
      response: { 200: { $ref: 'TrestaNotification#' } },
    },
    handler: async (request) => {
      const updated = await markRead(ctx.orm.em.fork(), {
        userId: currentUser(request).userId,
        id: request.params.id,
        isRead: request.body.isRead,
      });
      if (!updated) throw new NotificationNotFoundError();
      return updated;
    },
  });
}
