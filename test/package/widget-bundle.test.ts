// A front-end project that installs the package for its widget and client alone: Vite bundles them
// from the packed package with none of the server stack, though every server package sits in
// node_modules within reach of the resolver (the repository's own, above the project), and the
// element registers in the browser from that bundle.
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { build, preview, type Rollup } from 'vite';
import { launchBrowser, newContext } from '../helpers/browser.js';
import { consumerProject, packPackage } from '../helpers/packed-package.js';

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Widget-only consumer</title>
<script type="module" src="./main.js"></script></head>
<body><tresta-notifications api-base="/api"></tresta-notifications></body>
</html>`;

const MAIN_JS = `
import { TrestaNotificationsElement } from 'tresta-notifications/widget';
import { NotificationsClient } from 'tresta-notifications/client';

const client = new NotificationsClient({ apiBase: '/api', tokenProvider: async () => 'token' });
window.consumer = { TrestaNotificationsElement, client };
`;

// Module ids of the server stack as Rollup names them: a file under one of these packages.
const SERVER_PACKAGES = [
  'fastify',
  '@fastify/',
  'bullmq',
  'ioredis',
  'pg',
  'pg-pool',
  '@mikro-orm/',
  '@electric-sql/pglite',
  'mikro-orm-pglite',
];
const serverModule = new RegExp(
  `/node_modules/(${SERVER_PACKAGES.map((name) => name.replace(/[/.]/g, '\\$&') + (name.endsWith('/') ? '' : '/')).join('|')})`,
);

const packed = await packPackage(t);
const app = await consumerProject(packed, 'widget-app');
await writeFile(join(app, 'index.html'), INDEX_HTML);
await writeFile(join(app, 'main.js'), MAIN_JS);
const outDir = join(app, 'dist');
// No config file: a project's plain production build, nothing of the repository's Vite setup.
const result = await build({ root: app, configFile: false, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
const chunks = outputs.flatMap((output) => output.output).filter((item): item is Rollup.OutputChunk => item.type === 'chunk');
const moduleIds = chunks.flatMap((chunk) => chunk.moduleIds).map((id) => id.replaceAll('\\', '/'));
const PACKAGE = '/node_modules/tresta-notifications/';

t.test("the bundle's modules: the package's widget and client builds, nothing of the server stack", async (t) => {
  const ours = moduleIds.filter((id) => id.includes(PACKAGE)).map((id) => id.slice(id.indexOf(PACKAGE) + PACKAGE.length));
  t.ok(ours.includes('dist/widget/widget.js'), 'the widget entry is bundled from the installed package');
  t.ok(ours.includes('dist/widget/client.js'), 'the client entry is bundled from the installed package');
  t.same(
    ours.filter((path) => !path.startsWith('dist/widget/')),
    [],
    "no module of the package's plugin or migrations",
  );
  t.same(
    moduleIds.filter((id) => serverModule.test(id)),
    [],
    'no module of fastify, bullmq, ioredis, pg, MikroORM or PGlite',
  );
  t.ok(
    moduleIds.every((id) => id.startsWith(app) || id.startsWith('\0') || id.includes(PACKAGE)),
    'every module is the project’s own, the package’s or a bundler helper',
  );
});

t.test('the built page registers <tresta-notifications> and constructs the client', async (t) => {
  const server = await preview({
    root: app,
    configFile: false,
    logLevel: 'silent',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, open: false },
  });
  t.teardown(() => server.close());
  const { port } = server.httpServer.address() as AddressInfo;
  const browser = await launchBrowser(t);
  const page = await (await newContext(t, browser)).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  const state = await page.evaluate(async () => {
    await customElements.whenDefined('tresta-notifications');
    const { TrestaNotificationsElement, client } = (window as unknown as { consumer: Record<string, unknown> }).consumer as {
      TrestaNotificationsElement: CustomElementConstructor;
      client: { store: unknown };
    };
    const element = document.querySelector('tresta-notifications')!;
    return {
      registered: customElements.get('tresta-notifications') === TrestaNotificationsElement,
      upgraded: element instanceof TrestaNotificationsElement && element.shadowRoot !== null,
      client: typeof client.store === 'object' && client.store !== null,
    };
  });
  t.same(state, { registered: true, upgraded: true, client: true });
  t.same(errors, [], 'no uncaught error on the page');
});
