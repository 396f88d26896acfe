// `npm run demo:screenshots`: the pictures of the demo's walk-through (docs/demo.md), from the real
// demo. Starts `npm run demo`'s server as a user would (nothing configured: an embedded database in a temporary
// folder, a private redis-server), drives the page in Debian's headless Chromium and writes
// docs/demo-*.png. Same viewport, clock zone and locale every time, so a re-run only differs where
// the demo does (times of day).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/chromium.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs');
const START_DEADLINE_MS = 120_000;
const DEADLINE_MS = 30_000;
/** The demo page's sticky app header (demo/public/demo.css). */
const HEADER_HEIGHT = 61;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The demo as `npm run demo` runs it, with nothing configured; resolves with its URL once printed. */
async function startDemo(dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), TRESTA_DEMO_DATA_DIR: dataDir };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'RESEND_API_KEY', 'ABLY_API_KEY', 'APP_URL', 'TRESTA_REDIS_PREFIX'])
    delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'demo/server.ts')], { cwd: ROOT, env });
  const exited = once(child, 'exit');
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo printed no URL within ${START_DEADLINE_MS} ms: ${stderr}`)),
      START_DEADLINE_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Tresta Notifications demo: (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then(([code]) => reject(new Error(`the demo exited (${code}): ${stdout}${stderr}`)));
  });
  return {
    url,
    /** SIGTERM: the demo closes the plugin and its private redis-server goes with it. */
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Fires a notification for the signed-in user with the page's own button. */
async function fire(page: Page, type: string): Promise<void> {
  await page.locator('.type-button', { hasText: type }).click();
  await page
    .locator('#fired')
    .filter({ hasText: `${type} sent` })
    .waitFor({ timeout: DEADLINE_MS });
}

const badge = (page: Page) => page.locator('[part="badge"]');

/** The viewport, or only one card of the page (with a margin of the page around it). */
async function shoot(page: Page, name: string, card?: Locator): Promise<void> {
  await page.mouse.move(0, 0);
  let clip: { x: number; y: number; width: number; height: number } | undefined;
  if (card) {
    // The card just below the sticky header, and only the card: no resizing, so nothing lays out again.
    const margin = 16;
    await card.evaluate((element, top) => window.scrollBy(0, element.getBoundingClientRect().top - top), HEADER_HEIGHT + margin);
    const box = (await card.boundingBox())!;
    clip = { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin };
  }
  await page.screenshot({ path: join(DOCS, name), animations: 'disabled', caret: 'hide', clip });
  console.log(`docs/${name}`);
}

const dataDir = await mkdtemp(join(tmpdir(), 'tresta-demo-screenshots-'));
const demo = await startDemo(dataDir);
const browser = await launchChromium();
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
  context.setDefaultTimeout(DEADLINE_MS);
  const page = await context.newPage();
  await page.goto(demo.url);
  await page.locator('[part="bell"]').waitFor();
  await page.waitForFunction(() => document.querySelector('tresta-notifications')?.transport === 'websocket');

  // 1. The page, with notifications waiting behind the bell (the demo's history and three more) and
  // one critical email in the mailbox.
  for (const type of ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_FLAGGED']) {
    await fire(page, type);
    await page.locator('[part="toast"] .dismiss').first().click();
  }
  await badge(page).filter({ hasText: '9+' }).waitFor();
  await page.locator('#mail-list .subject', { hasText: 'Testimonial flagged' }).waitFor();
  await page.locator('[part="toast"]').waitFor({ state: 'detached' });
  await shoot(page, 'demo-overview.png');

  // 2. The notification center, open.
  await page.locator('[part="bell"]').click();
  await page.locator('[part~="item"]').nth(2).waitFor();
  await shoot(page, 'demo-center.png');
  await page.keyboard.press('Escape');
  await page.locator('[part="panel"]').waitFor({ state: 'hidden' });

  // 3. A critical notification arrives: a toast, and the badge counts it.
  await fire(page, 'SECURITY_ALERT');
  await page.locator('[part="toast"]', { hasText: 'New sign-in' }).hover();
  await page.waitForFunction(() => document.querySelector('tresta-notifications')?.unreadCount === 17);
  await shoot(page, 'demo-toast.png');
  await page.locator('[part="toast"] .dismiss').click();

  // 4. Its email, rendered in the mailbox.
  await page.locator('#mail-list .subject', { hasText: 'New sign-in' }).waitFor();
  await page.locator('#mail-meta dd', { hasText: 'New sign-in' }).waitFor();
  await page.frameLocator('#part-html').getByText('View in Tresta').waitFor();
  await shoot(page, 'demo-mailbox.png', page.locator('section[aria-labelledby="mailbox-title"]'));

  // 5. Grace, the admin: the operations panel after a digest run (Ada's digest of her history).
  await page.locator('#user').selectOption('grace');
  await page.locator('#operations').waitFor();
  await page.locator('#queues tr').first().waitFor();
  await page.locator('[data-job="digest"]').click();
  await page
    .locator('#job-result')
    .filter({ hasText: /^digest \(.*\): completed — sent 1/ })
    .waitFor();
  await shoot(page, 'demo-admin.png', page.locator('#operations'));
} finally {
  await browser.close();
  await demo.stop();
  await rm(dataDir, { recursive: true, force: true });
}
