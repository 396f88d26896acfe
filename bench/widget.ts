import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { build } from 'vite';
import { widgetBuildConfig } from '../vite.config.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { summarize } from './lib/stats.js';

// The widget's weight and rendering cost. Sizes: the initial chunk (Lit included, Ably excluded) and
// the lazily loaded chunks, beside Lit alone and the peers' equivalent bundles (bench/peers/), built
// with the same settings in the same run. Rendering:
// Chromium's scripting time (CDP Performance.ScriptDuration) to open the center with 50 items.
const KIB = 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ITEMS = 50;

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const gzip = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;
const kib = (bytes: number) => `${(bytes / KIB).toFixed(2)} KiB`;

async function buildBoth(outRoot: string): Promise<{ widgetDir: string; litBytes: Buffer }> {
  const widgetDir = join(outRoot, 'widget');
  const litDir = join(outRoot, 'lit');
  await build({ ...widgetBuildConfig(source('../widget/index.ts'), widgetDir), configFile: false });
  await build({ ...widgetBuildConfig(source('./widget-lit-baseline.ts'), litDir, 'lit.js'), configFile: false });
  return { widgetDir, litBytes: await readFile(join(litDir, 'lit.js')) };
}

async function printSizes(widgetDir: string, litBytes: Buffer): Promise<void> {
  const initial = gzip(await readFile(join(widgetDir, 'widget.js')));
  const lit = gzip(litBytes);
  console.log(
    `initial chunk  ${kib(initial)} gzip (budget 12 KiB) — Lit alone ${kib(lit)}, the widget's own code ${kib(initial - lit)}`,
  );
  for (const chunk of (await readdir(join(widgetDir, 'widget'))).sort()) {
    const size = gzip(await readFile(join(widgetDir, 'widget', chunk)));
    const budget = chunk.startsWith('ably-transport-') ? ' (budget 37 KiB)' : '';
    console.log(`lazy chunk     ${kib(size)} gzip${budget}  ${chunk}`);
  }
}

/** The peers' counterparts, each a minimal entry in bench/peers/; React is the host's, so not counted. */
const PEERS = [
  { name: "Courier's web component (@trycourier/courier-ui-inbox)", entry: './peers/courier.ts', ours: 'element' },
  { name: "Novu's Inbox UI (@novu/js/ui)", entry: './peers/novu.ts', ours: 'element' },
  { name: "Knock's client (@knocklabs/client)", entry: './peers/knock.ts', ours: 'client' },
  { name: "MagicBell's React build (@magicbell/magicbell-react)", entry: './peers/magicbell.ts', ours: 'element' },
] as const;
const REACT = ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'];

interface PeerSize {
  initial: number;
  total: number;
}

/** Builds one peer's entry like the widget (library mode, minified), as an app's production build would see it. */
async function buildPeer(entry: string, outDir: string): Promise<PeerSize> {
  const config = widgetBuildConfig(source(entry), outDir, 'peer.js');
  await build({
    ...config,
    configFile: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { ...config.build, rollupOptions: { ...config.build!.rollupOptions, external: REACT } },
  });
  const initial = gzip(await readFile(join(outDir, 'peer.js')));
  const chunks = await readdir(join(outDir, 'widget')).catch(() => []);
  let total = initial;
  for (const chunk of chunks) total += gzip(await readFile(join(outDir, 'widget', chunk)));
  return { initial, total };
}

/** A build's entry and its lazy chunks but Ably's (which loads only when offered), gzipped. */
async function ownSize(dir: string, file: string, chunkFolder: string): Promise<PeerSize> {
  const initial = gzip(await readFile(join(dir, file)));
  let total = initial;
  for (const chunk of await readdir(join(dir, chunkFolder)))
    if (!chunk.startsWith('ably-transport-')) total += gzip(await readFile(join(dir, chunkFolder, chunk)));
  return { initial, total };
}

/** Each peer beside our element, or (Knock, which has no UI outside React) beside our headless client. */
async function printPeerSizes(outRoot: string, widgetDir: string): Promise<void> {
  const clientDir = join(outRoot, 'client');
  await build({ ...widgetBuildConfig(source('../widget/client/index.ts'), clientDir, 'client.js', 'client'), configFile: false });
  const ours = {
    element: await ownSize(widgetDir, 'widget.js', 'widget'),
    client: await ownSize(clientDir, 'client.js', 'client'),
  };
  for (const [kind, size] of Object.entries(ours))
    console.log(`ours ${kind.padEnd(9)} ${kib(size.initial)} gzip initial, ${kib(size.total)} with its lazy chunks but Ably's`);
  for (const [index, peer] of PEERS.entries()) {
    try {
      const size = await buildPeer(peer.entry, join(outRoot, `peer-${index}`));
      const mine = ours[peer.ours];
      const lazy = size.total > size.initial ? `, ${kib(size.total)} with its lazy chunks` : '';
      console.log(
        `peer           ${kib(size.initial)} gzip${lazy} — ${(size.initial / mine.initial).toFixed(1)}× our ${peer.ours}'s initial, ` +
          `${(size.total / mine.total).toFixed(1)}× its total  ${peer.name}`,
      );
    } catch (error) {
      console.log(`peer           not measured: ${peer.name} did not build here (${(error as Error).message.split('\n')[0]})`);
    }
  }
}

function fakeNotifications(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    type: i % 3 ? 'NEW_TESTIMONIAL' : 'SECURITY_ALERT',
    title: `Notification ${i}`,
    message: `Ada left ${(i % 5) + 1} stars on the testimonial page, with a comment long enough to wrap once.`,
    link: i % 2 ? `/testimonials/${i}` : null,
    metadata: {},
    isRead: i % 4 === 0,
    readAt: null,
    isArchived: false,
    archivedAt: null,
    category: i % 3 ? 'testimonials' : 'security',
    severity: i % 3 ? 'info' : 'critical',
    required: false,
    actions: i % 5 === 0 ? [{ label: 'Review', url: `/testimonials/${i}`, style: 'primary' }] : [],
    groupKey: null,
    groupId: null,
    groupCount: 1,
    groupUnreadCount: i % 4 === 0 ? 0 : 1,
    createdAt: new Date(Date.now() - i * 60_000).toISOString(),
  }));
}

/** The built widget and a stub of the plugin's API (50 items, polling only): rendering is measured, not the server. */
async function serve(widgetDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify();
  const items = fakeNotifications(ITEMS);
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html')
      .send(
        '<!doctype html><html lang="en"><head><script type="module" src="/api/notifications/widget.js"></script></head>' +
          '<body><tresta-notifications token="bench" no-toasts></tresta-notifications></body></html>',
      ),
  );
  app.get('/api/notifications/widget.js', async (_request, reply) =>
    reply.type('text/javascript').send(await readFile(join(widgetDir, 'widget.js'))),
  );
  app.get<{ Params: { file: string } }>('/api/notifications/widget/:file', async (request, reply) =>
    reply.type('text/javascript').send(await readFile(join(widgetDir, 'widget', request.params.file.replace(/[^\w.-]/g, '')))),
  );
  app.get('/api/notifications', async () => ({ items, nextCursor: 'more' }));
  app.get('/api/notifications/unread-count', async () => ({ count: items.filter((item) => !item.isRead).length }));
  app.get('/api/notifications/realtime', async () => ({
    transports: ['polling'],
    websocket: { url: '/api/notifications/ws' },
    pollIntervalMs: 3_600_000,
  }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${address}/`, close: () => app.close() };
}

interface RenderCost {
  scripting: number;
  styleAndLayout: number;
}

async function measureRendering(url: string): Promise<RenderCost[]> {
  const browser = await launchChromium();
  const costs: RenderCost[] = [];
  try {
    for (let run = 0; run <= RUNS; run++) {
      const page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(url);
      await page.locator('[part="badge"]').waitFor();
      // The center's chunk is fetched on hover; load it first so the figure is rendering only.
      await page.locator('[part="bell"]').hover();
      await page.waitForFunction(() => customElements.get('tresta-center') !== undefined);
      const metrics = async () => {
        const all = new Map((await cdp.send('Performance.getMetrics')).metrics.map((metric) => [metric.name, metric.value]));
        return { script: all.get('ScriptDuration')!, layout: all.get('LayoutDuration')! + all.get('RecalcStyleDuration')! };
      };
      const before = await metrics();
      await page.locator('[part="bell"]').click();
      await page
        .locator('[part~="item"]')
        .nth(ITEMS - 1)
        .waitFor();
      const after = await metrics();
      // The first run warms the browser up.
      if (run > 0)
        costs.push({ scripting: (after.script - before.script) * 1000, styleAndLayout: (after.layout - before.layout) * 1000 });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return costs;
}

const ms = (values: number[]) => {
  const { median, min, max } = summarize(values);
  return `${median.toFixed(1)} ms (min ${min.toFixed(1)}, max ${max.toFixed(1)})`;
};

const outRoot = await mkdtemp(join(tmpdir(), 'tresta-bench-widget-'));
try {
  const { widgetDir, litBytes } = await buildBoth(outRoot);
  await printSizes(widgetDir, litBytes);
  await printPeerSizes(outRoot, widgetDir);
  const server = await serve(widgetDir);
  try {
    const costs = await measureRendering(server.url);
    console.log(
      `open center, ${ITEMS} items: scripting ${ms(costs.map((cost) => cost.scripting))}, style and layout ` +
        `${ms(costs.map((cost) => cost.styleAndLayout))}; ${RUNS} runs (Chromium, CDP Performance metrics)`,
    );
  } finally {
    await server.close();
  }
} finally {
  await rm(outRoot, { recursive: true, force: true });
}
