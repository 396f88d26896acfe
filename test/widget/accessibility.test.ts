import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Where focus really is: through the shadow roots down to the focused element. */
function focused(page: Page) {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return {
      part: active?.getAttribute('part') ?? null,
      label: active?.getAttribute('aria-label') ?? active?.textContent?.trim() ?? null,
      inPanel: Boolean(active?.closest('[part="panel"]')),
    };
  });
}

t.test('keyboard only: Tab to the bell, Enter opens, Tab stays in the dialog, Escape closes and focus returns', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('kay', { title: `Keyboard ${i}`, link: `/testimonials/${i}` });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('kay'));
  const ui = widget(page);
  await eventually(ui.badgeText, (text) => text === '3', 'the count');

  await page.keyboard.press('Tab');
  t.equal((await focused(page)).part, 'bell', 'the bell is the first stop');
  await page.keyboard.press('Enter');
  await ui.panel.waitFor();
  t.equal(await ui.panel.getAttribute('role'), 'dialog');
  t.equal(await ui.bell.getAttribute('aria-expanded'), 'true');
  await eventually(
    () => focused(page),
    (where) => where.inPanel,
    'focus to move into the dialog',
  );
  await eventually(ui.itemTitles, (titles) => titles.length === 3, 'the items');

  const stops = new Set<string>();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const where = await focused(page);
    t.ok(where.inPanel, `Tab ${i + 1} stays in the dialog (${where.part ?? where.label})`);
    stops.add(`${where.part}:${where.label}`);
  }
  t.ok(stops.size >= 6, `Tab visits the header buttons and the items (${stops.size} stops) and wraps around`);
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Shift+Tab');
    t.ok((await focused(page)).inPanel, `Shift+Tab ${i + 1} stays in the dialog`);
  }

  await page.keyboard.press('Escape');
  await ui.panel.waitFor({ state: 'detached' });
  t.equal((await focused(page)).part, 'bell', 'focus is back on the bell');
  t.equal(await ui.bell.getAttribute('aria-expanded'), 'false');

  await page.keyboard.press('Enter');
  await ui.panel.waitFor();
  t.pass('Enter opens it again');
});

t.test('an XSS corpus in title, message and link renders as inert text', async (t) => {
  const payloads = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=1</script>',
    '"><svg onload="window.__pwned=1">',
    '{{constructor.constructor("window.__pwned=1")()}}',
    '<a href="javascript:window.__pwned=1">click</a>',
  ];
  const hostileLinks = [
    'javascript:window.__pwned=1',
    'JaVaScRiPt:window.__pwned=1',
    'data:text/html,<script>1</script>',
    '//evil.example/x',
  ];
  const page = await openWidget(await newContext(t, browser), host.pageUrl('mallory'));
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket');

  const sent = [];
  for (const payload of payloads) sent.push(await host.notify('mallory', { title: payload, message: payload, link: '/safe' }));
  await eventually(
    ui.toastTitles,
    (titles) => titles.length > 0 && titles.every((title) => payloads.includes(title)),
    'toasts as text',
  );

  // notify() refuses such links; rows written some other way (an old version, a manual fix) may still hold them.
  const connection = host.app.notifications.orm.em.getConnection();
  for (const [i, link] of hostileLinks.entries()) {
    await connection.execute('update tresta_notifications set link = ? where id = ?', [link, sent[i]!.id]);
  }
  await page.reload();
  await ui.bell.click();
  const titles = await eventually(ui.itemTitles, (titles) => titles.length === payloads.length, 'the list');
  t.same([...titles].sort(), [...payloads].sort(), 'every payload is shown as the literal text it is');

  const inert = await page.evaluate(() => {
    const all: Element[] = [];
    const walk = (root: Document | ShadowRoot) => {
      for (const element of root.querySelectorAll('*')) {
        all.push(element);
        if (element.shadowRoot) walk(element.shadowRoot);
      }
    };
    walk(document);
    const widgetElements = all.filter((element) => element.getRootNode() !== document);
    return {
      pwned: (window as { __pwned?: number }).__pwned ?? null,
      injected: widgetElements.filter(
        (element) => ['IMG', 'SCRIPT', 'IFRAME'].includes(element.tagName) || element.hasAttribute('onload'),
      ).length,
      hrefs: widgetElements.filter((element) => element.hasAttribute('href')).map((element) => element.getAttribute('href')),
    };
  });
  t.equal(inert.pwned, null, 'no payload ran');
  t.equal(inert.injected, 0, 'no element was created from server text');
  t.same(dialogs, [], 'no dialog opened');
  t.ok(inert.hrefs.length > 0, 'safe links are links');
  for (const href of inert.hrefs)
    t.match(href, /^https?:\/\/127\.0\.0\.1:\d+\/safe$/, `only the allowed link is an href: ${href}`);
  t.equal(await page.locator('button[part="item-link"]').count(), hostileLinks.length, 'hostile links became plain buttons');
});

t.test('axe-core: no serious or critical violations on the bell, the open center and a toast', async (t) => {
  for (let i = 0; i < 4; i++) await host.notify('axel', { title: `Accessible ${i}`, link: i % 2 ? '/x' : null });
  for (const theme of ['light', 'dark']) {
    const page = await openWidget(await newContext(t, browser), host.pageUrl('axel', { attributes: { theme } }));
    const ui = widget(page);
    await eventually(ui.badgeText, (text) => text !== null, 'the count');
    await page.addScriptTag({ path: AXE });
    const scan = async (what: string) => {
      const violations = await page.evaluate(async () => {
        const result = await (
          window as unknown as {
            axe: { run: (context: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
          }
        ).axe.run(document);
        return result.violations.map(({ id, impact, nodes }) => ({ id, impact, nodes: nodes.length }));
      });
      const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      t.same(serious, [], `${theme}: ${what} has no serious or critical violations`);
    };
    await scan('the bell');
    await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket');
    await ui.bell.click();
    await eventually(ui.itemTitles, (titles) => titles.length >= 4, 'the list');
    await scan('the open center');
    await page.locator('[part="panel"] button[aria-label="Preferences"]').click();
    await page.locator('[part="preferences"]').waitFor();
    await scan('the preferences view');
    await host.notify('axel', { title: `Toast in ${theme}` });
    await eventually(ui.toastTitles, (titles) => titles.includes(`Toast in ${theme}`), 'the toast');
    // Scanned as it stands, not halfway through its entrance animation.
    await page
      .locator('[part="toast"]')
      .first()
      .evaluate((toast) => Promise.all(toast.getAnimations().map((animation) => animation.finished)));
    await scan('a toast');
  }
});
