import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';

/** The version of the HTTP API described (CONTRACT.md), not of the package. */
const API_VERSION = '1.0.0';

/**
 * Collects the OpenAPI 3 document from the route schemas registered after it in this scope (the
 * plugin's own routes only, never the host's), and serves it at /api/notifications/openapi.json.
 */
export async function openapiDocument(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tresta Notifications',
        version: API_VERSION,
        description: "A user's notifications, preferences and real-time transports.",
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
    },
    // The list is registered as "/" under its prefix; CONTRACT.md names it without the slash.
    transform: ({ schema, url }) => ({ schema, url: url.length > 1 ? url.replace(/\/$/, '') : url }),
    // Shared schemas keep their own names ($id) in components, not "def-0".
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
}

export function openapiRoute(app: FastifyInstance): void {
  app.get('/api/notifications/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
