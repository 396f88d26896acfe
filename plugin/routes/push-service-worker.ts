import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

/** Beside this file's folder in both layouts: plugin/push (tsx) and dist/plugin/push (built). */
const SOURCE = new URL('../push/service-worker.js', import.meta.url);

/**
 * GET /api/notifications/push-sw.js: the service worker that shows web pushes. Public, like the
 * widget; revalidated on every load (no-cache, strong ETag) so a new version reaches browsers at once.
 */
export async function pushServiceWorkerRoute(app: FastifyInstance): Promise<void> {
  const bytes = await readFile(SOURCE);
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  app.get('/api/notifications/push-sw.js', { schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', 'no-cache').header('etag', etag).header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) return reply.status(304).send();
    return reply.type('text/javascript; charset=utf-8').send(bytes);
  });
}
