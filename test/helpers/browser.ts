import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import type { Test } from 'tap';
import trestaNotifications, { type TrestaNotificationsOptions } from '../../plugin/index.js';
import type { NotifyInput } from '../../plugin/services/validate-notification.js';
import { createTestDatabase } from './database.js';
import { freePort } from './private-redis.js';
import { REDIS_URL } from './services.js';
import { APP_ORIGIN, createTokenKit, ISSUER, type TokenKit } from './tokens.js';

/** Generous: the machine's two cores are shared with other test files. */
export const DEADLINE_MS = 20_000;

/** One headless Chromium per test file, closed at its end. */
export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  return browser;
}

/** A fresh profile (storage, BroadcastChannels, Web Locks) per test, closed at its end. */
export async function newContext(t: Test, browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  t.teardown(() => context.close());
  return context;
}

export interface PageOptions {
  /** Attributes of <tresta-notifications>, e.g. { locale: 'de', 'no-toasts': '' }. */
  attributes?: Record<string, string>;
  lang?: string;
  dir?: 'ltr' | 'rtl';
  /** Where the header puts the bell (default: the right, end of the header). */
  bell?: 'start' | 'end';
  /** Light DOM of the element (slotted content). */
  children?: string;
  /** Script run after the element is in the page, with `widget` bound to it. */
  script?: string;
  /** false: the page sets no tokenProvider (the script may, later). */
  tokenProvider?: boolean;
  /** Extra CSS of the host page. */
  css?: string;
}

export interface WidgetHost {
  app: FastifyInstance;
  origin: string;
  tokens: TokenKit;
  /** The test page for a user: the widget served by the plugin, a token provider asking this server. */
  pageUrl: (userId: string, options?: PageOptions) => string;
  /**
   * Serves a file of the test's own (a page built by a framework, its assets) at /test/files/<path>
   * on this origin, and answers its URL. Served by this server, not by a Playwright route: Chromium
   * treats a routed document as public and blocks its WebSocket to 127.0.0.1.
   */
  serveFile: (path: string, body: string | Buffer, contentType: string) => string;
  notify: (userId: string, input?: Partial<NotifyInput>) => ReturnType<FastifyInstance['notifications']['notify']>;
  /** Cuts the built-in WebSocket: open sockets are destroyed and upgrades refused while on. */
  blockWebSocket: (blocked: boolean) => void;
  /** Cuts every /api request (the browser sees network errors), as if the network were gone. */
  blockApi: (blocked: boolean) => void;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function testPage(
  userId: string,
  {
    attributes = {},
    lang = 'en',
    dir = 'ltr',
    bell = 'end',
    children = '',
    script = '',
    tokenProvider = true,
    css = '',
  }: PageOptions,
): string {
  const attrs = Object.entries({ 'api-base': '/api', ...attributes })
    .map(([name, value]) => (value === '' ? name : `${name}="${escapeHtml(value)}"`))
    .join(' ');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${dir}">
<head><meta charset="utf-8"><title>Widget test page</title>
<script type="module" src="/api/notifications/widget.js"></script></head>
<style>${css}</style>
<body><header style="display:flex;justify-content:flex-${bell};padding:8px"><tresta-notifications ${attrs}>${children}</tresta-notifications></header>
<main><h1>Host page</h1><p>Content of the host application.</p></main>
<script>
  const widget = document.querySelector('tresta-notifications');
  // Like a session library: a fresh short-lived token whenever the widget asks.
  const sessionToken = () => fetch('/test/token?user=${encodeURIComponent(userId)}').then((response) => response.text());
  ${tokenProvider ? 'widget.tokenProvider = sessionToken;' : ''}
  ${script}
</script>
</body></html>`;
}

/**
 * A host app listening on a real port, with the plugin (workers in-process, so notify() reaches the
 * WebSocket) on a fresh database and Redis prefix, a test page and a token endpoint on the same
 * origin, and switches that cut the network the way a proxy or a dead link would.
 */
export async function startWidgetHost(t: Test, overrides: Partial<TrestaNotificationsOptions> = {}): Promise<WidgetHost> {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });

  const sockets = new Set<Socket>();
  let webSocketBlocked = false;
  let apiBlocked = false;
  app.addHook('onRequest', async (request, reply) => {
    const isSocket = request.url.startsWith('/api/notifications/ws');
    const isBundle = request.url.startsWith('/api/notifications/widget');
    if ((apiBlocked && request.url.startsWith('/api/') && !isBundle) || (webSocketBlocked && isSocket)) {
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    if (isSocket) sockets.add(request.raw.socket);
  });

  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: origin,
    workers: true,
    // The tests poll the API beside the widget (and poll every second): far above a person's pace.
    apiRateLimitPerMinute: 100_000,
    ...overrides,
    realtime: { pollIntervalMs: 1_000, ...overrides.realtime },
  });
  app.get<{ Querystring: { user: string } }>('/test/token', async (request) => tokens.sign(request.query.user));
  const pages = new Map<string, string>();
  app.get<{ Params: { id: string } }>('/test/page/:id', async (request, reply) => {
    const page = pages.get(request.params.id);
    return page ? reply.type('text/html').send(page) : reply.callNotFound();
  });
  const files = new Map<string, { body: string | Buffer; contentType: string }>();
  app.get<{ Params: { '*': string } }>('/test/files/*', async (request, reply) => {
    const file = files.get(request.params['*']);
    return file ? reply.type(file.contentType).send(file.body) : reply.callNotFound();
  });
  await app.listen({ port, host: '127.0.0.1' });

  return {
    app,
    origin,
    tokens,
    pageUrl: (userId, options = {}) => {
      const id = randomBytes(6).toString('hex');
      pages.set(id, testPage(userId, options));
      return `${origin}/test/page/${id}`;
    },
    serveFile: (path, body, contentType) => {
      files.set(path, { body, contentType });
      return `${origin}/test/files/${path}`;
    },
    notify: (userId, input = {}) =>
      app.notifications.notify({
        userId,
        type: 'NEW_TESTIMONIAL',
        title: 'New testimonial',
        message: 'Ada left 5 stars',
        ...input,
      }),
    blockWebSocket: (blocked) => {
      webSocketBlocked = blocked;
      if (blocked) for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    blockApi: (blocked) => {
      apiBlocked = blocked;
    },
  };
}

/**
 * Polls `read` until `accept` holds, or fails at the deadline with the last value seen: tests wait
 * on behaviour, never on a fixed sleep.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens a test page and waits until the widget has rendered its bell. */
export async function openWidget(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[part="bell"]').waitFor({ timeout: DEADLINE_MS });
  return page;
}

/** What the widget shows, read through its shadow roots (Playwright's CSS locators pierce them). */
export const widget = (page: Page) => ({
  bell: page.locator('[part="bell"]'),
  badgeText: () => page.locator('[part="badge"]').evaluateAll((badges) => badges[0]?.textContent ?? null),
  bellLabel: () => page.locator('[part="bell"]').getAttribute('aria-label'),
  panel: page.locator('[part="panel"]'),
  itemTitles: () => page.locator('[part~="item"] .title').allTextContents(),
  toastTitles: () => page.locator('[part="toast"] .title').allTextContents(),
  transport: () => page.evaluate(() => document.querySelector('tresta-notifications')!.transport),
});
