import type { FastifyInstance } from 'fastify';
import type { ListStatus } from '../contract/index.js';
import { TYPE_NAME_PATTERN } from '../notification-types.js';
import { listNotifications } from '../services/list-notifications.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { categoryQueryProperty, listStatusSchema, notificationPageSchema, pageQuerystring } from './schemas.js';

interface ListQuerystring {
  limit: number;
  cursor?: string;
  unread?: boolean;
  status?: ListStatus;
  category?: string;
  type?: string;
  q?: string;
  group?: string;
}

export function listNotificationsRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: ListQuerystring }>('/', {
    schema: {
      querystring: pageQuerystring({
        unread: { type: 'boolean', description: 'unread only (within `status`)' },
        status: listStatusSchema,
        category: categoryQueryProperty,
        type: { type: 'string', pattern: TYPE_NAME_PATTERN.source },
        q: { type: 'string', maxLength: 200, description: 'words of the title or message (each a prefix)' },
        group: { type: 'string', format: 'uuid', description: "a collapsed row's `groupId`: its notifications one by one" },
      }),
      response: { 200: notificationPageSchema },
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
