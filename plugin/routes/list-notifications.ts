import type { FastifyInstance } from 'fastify';
import { listNotifications } from '../services/list-notifications.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { pageQueryProperties } from './schemas.js';

export function listNotificationsRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { limit: number; cursor?: string; unread?: boolean } }>('/', {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQueryProperties,
          unread: { type: 'boolean' },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['items', 'nextCursor'],
          properties: {
            items: { type: 'array', items: { $ref: 'TrestaNotification#' } },
            nextCursor: { type: ['string', 'null'] },
          },
        },
      },
    },
    handler: async (request) => {
      const { limit, cursor, unread } = request.query;
      return listNotifications(ctx.orm.em.fork(), {
        userId: currentUser(request).userId,
        limit,
        cursor,
        unreadOnly: unread === true,
      });
    },
  });
}
