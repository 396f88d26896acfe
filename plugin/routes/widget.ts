import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WidgetNotBuiltError } from '../errors.js';

/**
 * Where Vite writes the widget: dist/widget beside dist/plugin. From source (plugin/routes, run by
 * tsx) that is ../../dist/widget; compiled (dist/plugin/routes) it is ../../widget.
 */
function defaultDistDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const compiled = /[\\/]dist[\\/]plugin[\\/]routes[\\/]?$/.test(here);
  return fileURLToPath(new URL(compiled ? '../../widget/' : '../../dist/widget/', import.meta.url));
}

/** Browsers revalidate after a minute; shared caches (CDNs) keep it five. */
const CACHE_CONTROL = 'public, max-age=60, s-maxage=300';

interface BuiltFile {
  bytes: Buffer;
  etag: string;
}

async function readBuiltFile(path: string): Promise<BuiltFile | null> {
  try {
    const bytes = await readFile(path);
    return { bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
  } catch {
    return null;
  }
}

/** widget.js and its lazy chunks (widget/<name>-<hash>.js), read and hashed once, at start-up. */
async function loadBundle(distDir: string): Promise<{ entry: BuiltFile | null; chunks: Map<string, BuiltFile> }> {
  const entry = await readBuiltFile(join(distDir, 'widget.js'));
  const chunks = new Map<string, BuiltFile>();
  const names = await readdir(join(distDir, 'widget')).catch(() => [] as string[]);
  for (const name of names.filter((file) => /^[\w-]+\.js$/.test(file))) {
    const chunk = await readBuiltFile(join(distDir, 'widget', name));
    if (chunk) chunks.set(name, chunk);
  }
  return { entry, chunks };
}

function send(request: FastifyRequest, reply: FastifyReply, file: BuiltFile): FastifyReply {
  reply.header('cache-control', CACHE_CONTROL).header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(file.etag)) return reply.status(304).send();
  return reply.type('text/javascript; charset=utf-8').send(file.bytes);
}

export interface WidgetRouteOptions {
  /** The built bundle's folder; tests point it elsewhere. */
  distDir?: string;
}

/**
 * GET /api/notifications/widget.js and its lazy chunks: public (no credentials, no rate limit),
 * cacheable, with a strong ETag of the bytes. Only the files of the build are served: a chunk name
 * is looked up in the list read at start-up, never joined into a path.
 */
export async function widgetRoutes(app: FastifyInstance, options: WidgetRouteOptions = {}): Promise<void> {
  const { entry, chunks } = await loadBundle(options.distDir ?? defaultDistDir());
  const hidden = { schema: { hide: true } };

  app.get('/api/notifications/widget.js', hidden, async (request, reply) => {
    if (!entry) throw new WidgetNotBuiltError();
    return send(request, reply, entry);
  });

  app.get<{ Params: { file: string } }>('/api/notifications/widget/:file', hidden, async (request, reply) => {
    const chunk = chunks.get(request.params.file);
    if (!chunk) return reply.callNotFound();
    return send(request, reply, chunk);
  });
}
