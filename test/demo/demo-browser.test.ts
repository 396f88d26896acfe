// The demo as a user meets it: `npm run demo`'s server started as a subprocess, its printed URL
// opened in headless Chromium, a demo user signed in with the page's switcher, a SECURITY_ALERT fired
// with the page's button, and what follows seen on the page: the widget's toast and badge, and the
// email in the mailbox panel. Once with nothing configured (PGlite in a temporary folder, a private
// redis-server), once on the machine's PostgreSQL and Redis.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { eventually, launchBrowser, newContext, widget } from '../helpers/browser.js';
import { createTestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/private-redis.js';
import { REDIS_URL } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Creating an embedded database runs initdb: slow on two shared cores. */
const START_DEADLINE_MS = 120_000;
const DEADLINE_MS = 30_000;

// `npm run demo` is `npm run build:widget` (predemo) and then this command. The bundle is built by
// `pretest`; building it again here would rewrite dist/widget under the other test files' feet.
await access(join(ROOT, 'dist/widget/widget.js')).catch(() => {
  throw new Error('the widget is not built: run `npm run build:widget` (npm test does it in pretest)');
});

const browser = await launchBrowser(t);

/** The process ids of a process's children (Linux). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(' ').filter(Boolean).map(Number);
}

/** Gone, or a zombie waiting for a reaper: either way no longer running. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
}

/**
 * `tsx demo/server.ts` with only the given services configured; resolves with the URL it printed.
 * Teardown stops it with SIGTERM and checks that its private redis-server, if any, went with it.
 */
async function startDemo(t: Test, overrides: NodeJS.ProcessEnv): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), ...overrides };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'RESEND_API_KEY', 'ABLY_API_KEY', 'APP_URL', 'TRESTA_REDIS_PREFIX']) {
    if (!(name in overrides)) delete env[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'demo/server.ts')], { cwd: ROOT, env });
  const exited = once(child, 'exit');
  let redisServers: number[] = [];
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    for (const pid of redisServers) {
      await eventually(
        () => isRunning(pid),
        (running) => !running,
        `the demo's redis-server (pid ${pid}) to stop with it`,
      );
    }
  });

  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL within ${START_DEADLINE_MS} ms: ${stdout}${stderr}`)),
      START_DEADLINE_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^Tresta Notifications demo: (\S+)\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code}): ${stdout}${stderr}`));
    });
  });
  t.match(url, /^http:\/\/localhost:\d+$/, 'prints its URL');

  const children = await childrenOf(child.pid!);
  const names = await Promise.all(children.map((pid) => readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')));
  redisServers = children.filter((_, i) => names[i]!.trim() === 'redis-server');
  t.equal(redisServers.length, 'REDIS_URL' in overrides ? 0 : 1, 'a private redis-server only without REDIS_URL');
  return url;
}

/** What the page's mailbox panel shows for the email being read. */
const mailMeta = (page: Page) =>
  page
    .locator('#mail-meta')
    .evaluate((list) =>
      Object.fromEntries(
        [...list.querySelectorAll('dt')].map((term) => [term.textContent, (term.nextElementSibling as HTMLElement).textContent]),
      ),
    );

async function securityAlertOnThePage(t: Test, url: string): Promise<void> {
  const context = await newContext(t, browser);
  context.setDefaultTimeout(DEADLINE_MS);
  const page = await context.newPage();
  const unauthorized: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 401) unauthorized.push(response.url());
  });
  await page.goto(url);
  const ui = widget(page);
  await ui.bell.waitFor();

  // Sign in as Alan with the page's switcher. The widget is mounted afresh for him: wait until that
  // new element (not Ada's, marked here) has its WebSocket, so the alert arrives live.
  await page.waitForFunction(() => document.querySelector('tresta-notifications')?.transport === 'websocket');
  await page.locator('tresta-notifications').evaluate((element) => element.setAttribute('data-signed-out', ''));
  await page.locator('#user').selectOption('alan');
  await page.waitForFunction(
    () =>
      document.querySelector<HTMLElementTagNameMap['tresta-notifications']>('tresta-notifications:not([data-signed-out])')
        ?.transport === 'websocket',
    undefined,
    { timeout: DEADLINE_MS },
  );
  t.equal(await page.locator('tresta-notifications').count(), 1, "one widget: Ada's left with her");
  t.equal(await ui.badgeText(), null, 'no badge: Alan has nothing unread');

  await page.locator('.type-button', { hasText: 'SECURITY_ALERT' }).click();
  await page.locator('#fired', { hasText: 'SECURITY_ALERT sent' }).waitFor();

  t.same(await eventually(ui.toastTitles, (titles) => titles.length > 0, 'the toast', DEADLINE_MS), ['New sign-in'], 'a toast');
  t.match(await page.locator('[part="toast"] .message').textContent(), 'Someone signed in from Firefox on Linux.');
  t.equal(
    await eventually(ui.badgeText, (text) => text === '1', 'the badge to count it', DEADLINE_MS),
    '1',
    'the badge counts it',
  );
  t.equal(await ui.bellLabel(), '1 unread notification');

  // The mailbox panel looks every two seconds; a new email opens by itself.
  await page.locator('#mail-list .subject', { hasText: 'New sign-in' }).waitFor();
  const meta = await eventually(
    () => mailMeta(page),
    (shown) => shown.Subject === 'New sign-in',
    'the email to open',
    DEADLINE_MS,
  );
  t.match(meta, { Subject: 'New sign-in', To: 'Alan Turing <alan@demo.tresta.local>', From: /notifications@tresta\.app/ });
  await page.frameLocator('#part-html').getByText('View in Tresta').waitFor();
  t.pass('the HTML part renders in the sandboxed frame');

  await page.locator('#tab-text').click();
  t.match(
    await page.locator('#part-text').textContent(),
    /New sign-in\s+Someone signed in from Firefox on Linux\./,
    'the text part',
  );
  await page.locator('#tab-headers').click();
  await page.locator('#part-headers').waitFor();
  const headerNames = await page.locator('#part-headers th').allTextContents();
  t.notOk(
    headerNames.some((name) => /^list-unsubscribe/i.test(name)),
    'a critical email has no List-Unsubscribe',
  );
  t.ok(headerNames.length > 0, "the headers tab lists the email's headers");

  t.same(unauthorized, [], 'no request was refused for want of a token');
  t.equal(await page.locator('#widget-note').isHidden(), true, 'no "widget did not load" note');
}

/** Grace runs the digest; Ada's digest opens in the mailbox, and its unsubscribe link works in the frame. */
async function unsubscribeInTheMailbox(t: Test, url: string): Promise<void> {
  const context = await newContext(t, browser);
  context.setDefaultTimeout(DEADLINE_MS);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#user').selectOption('grace');
  await page.locator('#cost-redis', { hasText: /^[\d,]+ \(Upstash free: / }).waitFor();
  await page.locator('#cost-realtime', { hasText: 'over the built-in WebSocket' }).waitFor();
  t.pass("the operations panel shows the day's cost: Redis commands, emails, real-time messages");
  await page.locator('button[data-job="digest"]').click();
  await page.locator('#mail-list .subject', { hasText: 'Your daily digest' }).first().click();
  const mail = page.frameLocator('#part-html');
  await mail.getByRole('link', { name: 'Unsubscribe from these emails' }).click();
  await mail.getByRole('heading', { name: 'Unsubscribe?' }).waitFor();
  t.pass('the link opens the confirmation page inside the mailbox view');
  await mail.getByRole('button', { name: 'Unsubscribe' }).click();
  await mail.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
  t.pass('and the one-click POST confirms there');
}

t.test('nothing configured: PGlite in a temporary folder and a private redis-server', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tresta-demo-browser-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const url = await startDemo(t, { TRESTA_DEMO_DATA_DIR: dataDir });
  await securityAlertOnThePage(t, url);
  await unsubscribeInTheMailbox(t, url);
});

t.test('DATABASE_URL and REDIS_URL: the machine’s PostgreSQL and Redis', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const url = await startDemo(t, {
    DATABASE_URL: db.url,
    REDIS_URL,
    TRESTA_REDIS_PREFIX: `tresta-demo-${randomBytes(4).toString('hex')}`,
  });
  await securityAlertOnThePage(t, url);
});
