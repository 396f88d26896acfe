import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { ERROR_DESCRIPTIONS, OPERATIONS, SHARED_ERRORS } from './operations.js';
import { errorSchema } from './schemas.js';

/** The version of the HTTP API described (the routes' contract), not of the package. */
const API_VERSION = '1.0.0';

type RouteSchema = Record<string, unknown> & { response?: Record<string, unknown>; hide?: boolean };

/** The route's schema with what the operations table says of it: id, summary, tag, security, errors. */
function describe(schema: RouteSchema | undefined, method: string, path: string): RouteSchema | undefined {
  const operation = OPERATIONS[`${method} ${path}`];
  if (schema?.hide || !operation) return schema;
  const errors = [...new Set([...SHARED_ERRORS[operation.access], ...operation.errors])].sort();
  // A route without a response schema still answers 200 (its shape is in docs/routes-and-errors.md).
  const response: Record<string, unknown> = { ...(schema?.response ?? { 200: { description: 'Success' } }) };
  for (const status of errors) response[status] = { description: ERROR_DESCRIPTIONS[status], $ref: 'TrestaError#' };
  return {
    ...schema,
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    // Sessions are bearer tokens; the others prove themselves otherwise (a signed token in the query, a signature) or not at all.
    ...(operation.access === 'user' || operation.access === 'admin' ? {} : { security: [] }),
    response,
  };
}

/**
 * Collects the OpenAPI 3 document from the route schemas registered after it in this scope (the
 * plugin's own routes only, never the host's), and serves it at /api/notifications/openapi.json.
 */
export async function openapiDocument(app: FastifyInstance, routePrefix: string): Promise<void> {
  // The error shape every route answers with, for the whole scope: routes and the document both name it.
  app.addSchema(errorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tresta Notifications',
        version: API_VERSION,
        description: "A user's notifications, preferences and real-time transports.",
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: '/', description: 'the host app' }],
      tags: [
        { name: 'Notifications', description: 'The inbox: list, count, read, archive' },
        { name: 'Preferences', description: 'Channels per type, digest, time zone' },
        { name: 'Real time', description: 'Where the widget subscribes' },
        { name: 'Push', description: 'Browsers subscribed to web push' },
        { name: 'Email', description: 'Unsubscribe links and provider webhooks' },
        { name: 'Administration', description: 'Operators only' },
        { name: 'Health', description: 'For load balancers and orchestrators' },
      ],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: ({ schema, url, route }) => {
      // The list is registered as "/" under its prefix; docs/routes-and-errors.md names it without the slash.
      const documented = url.length > 1 ? url.replace(/\/$/, '') : url;
      const path = documented.slice(routePrefix.length).replace(/:([A-Za-z_]+)/g, '{$1}');
      const method = Array.isArray(route.method) ? route.method[0] : route.method;
      return { schema: describe(schema as RouteSchema | undefined, String(method), path) as typeof schema, url: documented };
    },
    // Shared schemas keep their own names ($id) in components, not "def-0".
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
}

export function openapiRoute(app: FastifyInstance): void {
  app.get('/api/notifications/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
