import type { FastifyInstance } from 'fastify';
import { TYPE_NAME_PATTERN } from '../notification-types.js';
import type { InboxStatus } from '../data/notifications.js';
import { listNotifications } from '../services/list-notifications.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { categoryQueryProperty, pageQueryProperties } from './schemas.js';

interface ListQuerystring {
  limit: number;
  cursor?: string;
  unread?: boolean;
  status?: InboxStatus;
  category?: string;
  type?: string;
  q?: string;
  group?: string;
}

export function listNotificationsRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: ListQuerystring }>('/', {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQueryProperties,
          unread: { type: 'boolean', description: 'unread only (within `status`)' },
          status: {
            type: 'string',
            enum: ['all', 'unread', 'read', 'archived'],
            description: '`all` (the default) is every notification not archived',
          },
          category: categoryQueryProperty,
          type: { type: 'string', pattern: TYPE_NAME_PATTERN.source },
          q: { type: 'string', maxLength: 200, description: 'words of the title or message (each a prefix)' },
          group: { type: 'string', format: 'uuid', description: "a collapsed row's `groupId`: its notifications one by one" },
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
      const { limit, cursor, unread, status, category, type, q, group } = request.query;
      return listNotifications(ctx.orm.em.fork(), {
        userId: currentUser(request).userId,
        limit,
        cursor,
        status,
        unreadOnly: unread === true,
        category,
        type,
        q,
        groupId: group,
      });
    },
  });
}
