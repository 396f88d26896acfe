import type { FastifyInstance } from 'fastify';
import type { NotificationChange } from '../contract/index.js';
import { NotificationNotFoundError } from '../errors.js';
import { announceArchived, announceRead } from '../services/announce-change.js';
import { updateNotification } from '../services/update-notification.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { idParamsSchema, notificationChangeSchema } from './schemas.js';

export function updateNotificationRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.patch<{ Params: { id: string }; Body: NotificationChange }>('/:id', {
    schema: {
      params: idParamsSchema,
      body: notificationChangeSchema,
      response: { 200: { $ref: 'TrestaNotification#' } },
    },
    handler: async (request) => {
      const em = ctx.orm.em.fork();
      const { userId } = currentUser(request);
      const change = request.body;
      const updated = await updateNotification(em, { userId, id: request.params.id, change });
      if (!updated) throw new NotificationNotFoundError();
      await ctx.unreadCounts.forget([userId]);
      const deps = { em, publisher: ctx.publisher, unreadCounts: ctx.unreadCounts, log: request.log };
      if (change.isRead === true) await announceRead(deps, userId, { ids: [updated.id] });
      if (change.isArchived !== undefined) {
        await announceArchived(deps, userId, { ids: [updated.id], isArchived: change.isArchived });
      }
      return updated;
    },
  });
}
