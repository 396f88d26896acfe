import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import t from 'tap';
import { build } from 'vite';
import { eventually, launchBrowser, newContext, startWidgetHost, widget, type WidgetHost } from '../helpers/browser.js';

// The widget page's plain-HTML, Vue 3 and React 19 snippets, taken from docs/widget.md as written, run in Chromium against
// the real plugin: each mounts the element with a token provider, the bell shows the user's unread
// count from the server, and a live notification reaches the Vue component's handler. The Vue page is
// built by Vite here, with 'tresta-notifications/widget' resolved to the built widget (npm run
// build:widget first); the session object each snippet names asks the test server for a token.
// The React 19 page is built in test/widget/react-app, a folder with its own React 19 (installed by
// `npm test`'s pretest): tap's reporter renders with ink, whose reconciler needs React 18 at the top
// of node_modules.
const root = fileURLToPath(new URL('../../', import.meta.url));
const widgetPage = await readFile(join(root, 'docs/widget.md'), 'utf8');

/** The first ```lang block after the heading `## title` (and before the next heading of that level). */
function snippet(title: string, lang: string): string {
  const section = widgetPage.split(/^## /m).find((part) => part.startsWith(`${title}\n`));
  const code = section?.match(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'm'))?.[1];
  if (!code) throw new Error(`docs/widget.md has no \`\`\`${lang} block under "## ${title}"`);
  return code;
}

// Like a session library: a fresh short-lived token whenever the widget asks, for the page's ?user=.
const sessionToken =
  "() => fetch('/test/token?user=' + encodeURIComponent(new URLSearchParams(location.search).get('user'))).then((response) => response.text())";

const page = (body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs snippet</title>${head}</head><body>${body}</body></html>`;

/** Builds the Vue page into a folder inside the repository (so node_modules resolves). */
async function buildFrameworkPages(): Promise<string> {
  const dir = await mkdtemp(join(root, '.snippets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'NotificationBell.vue': snippet('Vue', 'vue'),
    'vue.ts': `import { createApp, h } from 'vue';
import NotificationBell from './NotificationBell.vue';
(window as any).arrivals = [];
createApp({ render: () => h(NotificationBell, { onArrival: (title: string) => (window as any).arrivals.push(title) }) }).mount('#root');
`,
    // The Vue snippet's session object.
    'vue.html': page(
      '<div id="root"></div><script type="module" src="./vue.ts"></script>',
      `<script>window.session = { getToken: ${sessionToken} };</script>`,
    ),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await build({
    configFile: false,
    root: dir,
    base: '/test/files/snippet/',
    logLevel: 'warn',
    // The widget page's vite.config.ts line for Vue.
    plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('tresta-') } } })],
    resolve: { alias: { 'tresta-notifications/widget': join(root, 'dist/widget/widget.js') } },
    build: { outDir: join(dir, 'dist'), rollupOptions: { input: join(dir, 'vue.html') } },
  });
  return join(dir, 'dist');
}

/** Builds the React 19 page where React 19 is installed; the snippet's session hook is a stand-in. */
async function buildReactPage(): Promise<string> {
  const app = join(root, 'test/widget/react-app');
  const dir = await mkdtemp(join(app, '.snippet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'NotificationBell.tsx': snippet('React', 'tsx'),
    // The snippet's session hook: what @clerk/clerk-react's useAuth() gives it.
    'clerk.ts': `export const useAuth = () => ({ getToken: ${sessionToken} });\n`,
    'react.tsx': `import { createRoot } from 'react-dom/client';
import { NotificationBell } from './NotificationBell';
(window as any).arrivals = [];
createRoot(document.getElementById('root')!).render(<NotificationBell onArrival={(title) => (window as any).arrivals.push(title)} />);
`,
    'react.html': page('<div id="root"></div><script type="module" src="./react.tsx"></script>'),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await build({
    configFile: false,
    root: dir,
    base: '/test/files/snippet/',
    logLevel: 'warn',
    esbuild: { jsx: 'automatic' },
    resolve: {
      alias: { 'tresta-notifications/widget': join(root, 'dist/widget/widget.js'), '@clerk/clerk-react': join(dir, 'clerk.ts') },
    },
    build: { outDir: join(dir, 'dist'), rollupOptions: { input: join(dir, 'react.html') } },
  });
  return join(dir, 'dist');
}

/** Serves the built framework pages and the plain-HTML page under /test/files/snippet/ on the host's origin. */
async function serveSnippets(host: WidgetHost, dists: string[]): Promise<void> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  for (const dist of dists) {
    for (const path of await readdir(dist, { recursive: true })) {
      const type = types[extname(path)];
      if (type) host.serveFile(`snippet/${path}`, await readFile(join(dist, path)), type);
    }
  }
  const html = page(snippet('Plain HTML', 'html'), `<script>window.Clerk = { session: { getToken: ${sessionToken} } };</script>`);
  host.serveFile('snippet/plain.html', html, 'text/html');
}

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);
await serveSnippets(host, [await buildFrameworkPages(), await buildReactPage()]);

for (const [name, file, hasHandler] of [
  ['plain HTML', 'plain.html', false],
  ['Vue 3', 'vue.html', true],
  ['React 19', 'react.html', true],
] as const) {
  t.test(
    `the widget page's ${name} snippet: the bell counts the user's unread and a live notification reaches the page`,
    async (t) => {
      const user = `snippet-${file.replace('.html', '')}`;
      for (let i = 0; i < 2; i++) await host.notify(user, { title: `Before ${i}` });
      const context = await newContext(t, browser);
      const tab = await context.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      await tab.goto(`${host.origin}/test/files/snippet/${file}?user=${user}`);
      const ui = widget(tab);
      t.equal(
        await eventually(ui.badgeText, (text) => text === '2', 'the unread count from the server'),
        '2',
        'the unread count',
      );
      await eventually(ui.transport, (transport) => transport === 'websocket', 'the live connection');

      await host.notify(user, { title: 'Live one' });
      t.equal(await eventually(ui.badgeText, (text) => text === '3', 'the badge after a live notification'), '3', 'live');
      if (hasHandler)
        t.same(
          await eventually(
            () => tab.evaluate(() => (window as unknown as { arrivals: string[] }).arrivals),
            (titles) => titles.length > 0,
            "the framework's handler",
          ),
          ['Live one'],
          'tresta-notification reached the handler with its notification',
        );
      t.same(errors, [], 'no error in the page');
    },
  );
}
