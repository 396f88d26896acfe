import type { FastifyInstance } from 'fastify';
import type { PreferencesUpdate } from '../contract/index.js';
import { getPreferences, updatePreferences } from '../services/preferences.js';
import type { RouteContext } from './context.js';
import { currentUser } from './current-user.js';
import { preferencesUpdateSchema } from './schemas.js';

export function preferencesRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/preferences', {
    schema: { response: { 200: { $ref: 'TrestaPreferences#' } } },
    handler: async (request) => getPreferences(ctx.orm.em.fork(), currentUser(request).userId, ctx.types),
  });

  app.put<{ Body: PreferencesUpdate }>('/preferences', {
    schema: {
      body: preferencesUpdateSchema,
      response: { 200: { $ref: 'TrestaPreferences#' } },
    },
    handler: async (request) => updatePreferences(ctx.orm.em.fork(), currentUser(request).userId, request.body, ctx.types),
  });
}
