import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { widgetRoutes } from '../../plugin/routes/widget.js';
import { buildTestApp } from '../helpers/app.js';

const DIST = new URL('../../dist/widget/', import.meta.url);

t.test('widget.js is public, cacheable, has a strong ETag and answers 304 to it', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ url: '/api/notifications/widget.js' });
  t.equal(res.statusCode, 200, 'no credentials needed');
  t.match(res.headers['content-type'], /^text\/javascript/);
  t.equal(res.headers['cache-control'], 'public, max-age=60, s-maxage=300');
  t.match(res.headers.etag, /^"[\w-]+"$/, 'a strong ETag');
  t.notOk(res.headers['x-ratelimit-limit'], 'not counted against the user rate limit');
  t.equal(res.body, await readFile(new URL('widget.js', DIST), 'utf8'), 'the built bytes');

  const again = await app.inject({
    url: '/api/notifications/widget.js',
    headers: { 'if-none-match': res.headers.etag as string },
  });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  t.equal(again.headers.etag, res.headers.etag);
  const stale = await app.inject({ url: '/api/notifications/widget.js', headers: { 'if-none-match': '"stale"' } });
  t.equal(stale.statusCode, 200, 'another ETag gets the file');
});

t.test('the lazy chunks are served from the allow-list of built files, nothing else', async (t) => {
  const { app } = await buildTestApp(t);
  const entry = await readFile(new URL('widget.js', DIST), 'utf8');
  const chunks = await readdir(new URL('widget/', DIST));
  t.ok(chunks.length > 0, 'the build has lazy chunks');
  // A chunk is imported by the entry (./widget/<file>) or by a chunk beside it (./<file>).
  const siblings = await Promise.all(chunks.map((chunk) => readFile(new URL(`widget/${chunk}`, DIST), 'utf8')));
  for (const chunk of chunks) {
    const imported = entry.includes(`./widget/${chunk}`) || siblings.some((code) => code.includes(`"./${chunk}"`));
    t.ok(imported, `${chunk} is imported by its relative path`);
    const res = await app.inject({ url: `/api/notifications/widget/${chunk}` });
    t.equal(res.statusCode, 200, chunk);
    t.equal(res.headers['cache-control'], 'public, max-age=60, s-maxage=300');
  }
  for (const probe of ['..%2F..%2Fpackage.json', '%2E%2E%2Fwidget.js', 'unknown.js', 'widget.js']) {
    t.equal((await app.inject({ url: `/api/notifications/widget/${probe}` })).statusCode, 404, `${probe} is not served`);
  }
});

t.test('an unbuilt bundle answers a clear 404 with its code', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(widgetRoutes, { distDir: await mkdtemp(join(tmpdir(), 'tresta-no-widget-')) });
  const res = await app.inject({ url: '/api/notifications/widget.js' });
  t.equal(res.statusCode, 404);
  t.match(res.json(), { code: 'TRESTA_ERR_WIDGET_NOT_BUILT', message: /npm run build:widget/ });
});
