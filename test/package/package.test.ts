// What a consumer gets from `npm install tresta-notifications`: the packed files, linted by publint
// and attw, and type-checked from a consumer project under each module resolution TypeScript users
// pick.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { consumerProject, packPackage, ROOT as root } from '../helpers/packed-package.js';

const run = promisify(execFile);
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const packed = await packPackage(t);
const { tarball, files } = packed;

t.test('the tarball holds the plugin, migrations, widget, client, types, manifest, binary, docs and licence only', async (t) => {
  for (const path of [
    'LICENSE',
    'README.md',
    'docs/options.md',
    'docs/routes-and-errors.md',
    'package.json',
    'dist/plugin/index.js',
    'dist/plugin/index.d.ts',
    'dist/plugin/worker/main.js',
    'dist/plugin/quota/reserveEmailQuota-5.lua',
    'dist/plugin/services/storeUnreadCount-2.lua',
    'dist/migrations/index.js',
    'dist/migrations/index.d.ts',
    'dist/widget/widget.js',
    'dist/widget/types/index.d.ts',
    'dist/widget/client.js',
    'dist/widget/types/client/index.d.ts',
    'dist/widget/types/frameworks/react.d.ts',
    'dist/widget/types/frameworks/vue.d.ts',
    'dist/widget/custom-elements.json',
  ]) {
    t.ok(files.includes(path), `ships ${path}`);
  }
  t.same(
    files.filter((path) => path.endsWith('.map')),
    [],
    'no source maps (they would point at sources the package does not ship)',
  );
  // The README links the docs pages, so they ship (small Markdown); their screenshots stay in the repository.
  const docs = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  t.same(
    files.filter((path) => path.startsWith('docs/')).sort(),
    docs.sort(),
    'every docs page, and nothing else from docs/ (no screenshots)',
  );
  t.same(
    files.filter((path) => !['LICENSE', 'README.md', 'package.json'].includes(path) && !/^(dist|docs)\//.test(path)),
    [],
    'no sources, tests or tooling',
  );
  const worker = await readFile(join(root, 'dist/plugin/worker/main.js'), 'utf8');
  t.ok(worker.startsWith('#!/usr/bin/env node'), 'the worker binary starts with a shebang');
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  t.equal(manifest.bin?.['tresta-notifications-worker'], './dist/plugin/worker/main.js', 'npx tresta-notifications-worker');
  for (const peer of ['fastify', 'ioredis', '@mikro-orm/core', '@mikro-orm/postgresql']) {
    t.ok(manifest.peerDependencies?.[peer], `${peer} is a peer dependency (the host's own copy is used)`);
    t.notOk(manifest.dependencies?.[peer], `${peer} is not a dependency`);
  }
  t.same(manifest.peerDependenciesMeta?.['@electric-sql/pglite'], { optional: true }, 'PGlite is optional');
});

t.test('publint finds nothing to fix', async (t) => {
  const { messages } = await publint({ pkgDir: root, pack: false, strict: true });
  t.same(
    messages.map((message) => `${message.type} ${message.code} ${JSON.stringify(message.args)}`),
    [],
    'no error, warning or suggestion',
  );
});

t.test('attw: every entry point resolves with types under node16 (ESM) and bundler', async (t) => {
  const { stdout: report } = await run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], {
    cwd: root,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  const { analysis } = JSON.parse(report) as {
    analysis: { problems: Array<{ kind: string; entrypoint?: string; resolutionKind?: string }> };
  };
  // An ESM-only package: require() from CommonJS (node16-cjs) and node10's resolution are out of scope.
  const inScope = analysis.problems.filter((problem) => !['node10', 'node16-cjs'].includes(problem.resolutionKind ?? ''));
  t.same(
    inScope.map((problem) => `${problem.kind} ${problem.entrypoint ?? ''} ${problem.resolutionKind ?? ''}`),
    [],
    'no problem',
  );
});

const CONSUMER = `
import Fastify from 'fastify';
import trestaNotifications, { errors, type Notification, type TrestaNotificationsOptions } from 'tresta-notifications';
import { migrationsList } from 'tresta-notifications/migrations';
import { NotificationsClient } from 'tresta-notifications/client';

const app = Fastify();
const options: TrestaNotificationsOptions = {
  database: { url: 'postgresql://localhost/app' },
  redis: { url: 'redis://localhost:6379' },
  auth: { jwt: { jwksUrl: 'https://clerk.example.com/.well-known/jwks.json' } },
};
await app.register(trestaNotifications, options);
const sent: Notification = await app.notifications.notify({ userId: 'u', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
const failure: Error = new errors.UnauthorizedError('no token');
// @ts-expect-error the catalog's errors are typed: this one takes one argument, not a number
new errors.UnauthorizedError(42);
export const code: string = failure instanceof errors.RateLimitedError ? 'limited' : sent.id;
export const migrations = migrationsList.length;
export const client = new NotificationsClient({ apiBase: '/api', tokenProvider: async () => 'token' });
`;

t.test('a consumer project type-checks under nodenext, node16 and bundler', async (t) => {
  const consumer = await consumerProject(packed, 'consumer');
  await writeFile(join(consumer, 'index.ts'), CONSUMER);
  for (const [moduleResolution, module] of [
    ['nodenext', 'nodenext'],
    ['node16', 'node16'],
    ['bundler', 'esnext'],
  ] as const) {
    const result = await run(
      bin('tsc'),
      [
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        module,
        '--moduleResolution',
        moduleResolution,
        '--types',
        'node',
        'index.ts',
      ],
      { cwd: consumer },
    ).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    // Errors inside other packages' declarations are theirs; the consumer's and ours must be none.
    const ours = result.split('\n').filter((line) => line.trim() !== '' && !/^\.\.\/\.\.\/node_modules\//.test(line));
    t.same(ours, [], `${moduleResolution}: no type error in the consumer or in the package's declarations`);
  }
});
