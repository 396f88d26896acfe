import type { FastifyInstance } from 'fastify';
import { NotificationNotFoundError } from '../errors.js';
import { announceRead } from '../services/announce-read.js';
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
      const em = ctx.orm.em.fork();
      const { userId } = currentUser(request);
      const updated = await markRead(em, { userId, id: request.params.id, isRead: request.body.isRead });
      if (!updated) throw new NotificationNotFoundError();
      if (updated.isRead) await announceRead({ em, publisher: ctx.publisher, log: request.log }, userId, { ids: [updated.id] });
      return updated;
    },
  });
}
