import type { Page } from 'playwright-core';
import t from 'tap';
import {
  eventually,
  launchBrowser,
  newContext,
  openWidget,
  startWidgetHost,
  widget,
  type PageOptions,
} from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);
for (let i = 0; i < 8; i++) await host.notify('pia', { title: `Placed ${i}` });

async function openCenter(page: Page) {
  const ui = widget(page);
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 8, 'the list');
  return {
    panel: (await ui.panel.boundingBox())!,
    bell: (await ui.bell.boundingBox())!,
    viewport: page.viewportSize()!,
  };
}

t.test('at 375 px the center is a full-width sheet with a visible close, and the page behind does not scroll', async (t) => {
  for (const bell of ['start', 'end'] as const) {
    const context = await newContext(t, browser, { viewport: { width: 375, height: 740 } });
    const page = await openWidget(
      context,
      host.pageUrl('pia', { bell, css: 'header { position: sticky; top: 0; background: white } main { height: 3000px }' }),
    );
    await page.evaluate(() => window.scrollTo(0, 40));
    const scrolledTo = await page.evaluate(() => window.scrollY);
    const { panel, viewport } = await openCenter(page);
    t.equal(Math.round(panel.x), 0, `${bell}: the sheet starts at the left edge`);
    t.equal(Math.round(panel.width), viewport.width, `${bell}: the sheet is as wide as the viewport`);
    t.ok(panel.y >= 0 && panel.y + panel.height <= viewport.height + 1, `${bell}: the sheet is on screen vertically`);
    const close = (await page.locator('[part="close"]').boundingBox())!;
    t.ok(close.x >= 0 && close.x + close.width <= viewport.width && close.y >= 0, `${bell}: the close button is visible`);
    t.equal(
      await page.evaluate(() => getComputedStyle(document.documentElement).overflow),
      'hidden',
      'the page scroll is locked',
    );
    t.equal(await page.evaluate(() => window.scrollY), scrolledTo, 'locking did not move the page');
    await page.locator('[part="close"]').click();
    await widget(page).panel.waitFor({ state: 'detached' });
    t.not(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'hidden', 'closing unlocks it');
    t.equal(await page.evaluate(() => window.scrollY), scrolledTo, 'and the page is where it was');
  }
});

t.test('on a desktop the popover stays inside the viewport wherever the bell is, in both directions', async (t) => {
  const cases: Array<[string, PageOptions]> = [
    ['bell at the right', { bell: 'end' }],
    ['bell at the left', { bell: 'start' }],
    ['rtl, bell at the start (right)', { dir: 'rtl', bell: 'start' }],
    ['rtl, bell at the end (left)', { dir: 'rtl', bell: 'end' }],
  ];
  for (const [name, options] of cases) {
    const context = await newContext(t, browser, { viewport: { width: 1280, height: 800 } });
    const page = await openWidget(context, host.pageUrl('pia', options));
    const { panel, bell, viewport } = await openCenter(page);
    t.ok(panel.x >= 0 && panel.x + panel.width <= viewport.width, `${name}: within the viewport horizontally (x=${panel.x})`);
    t.ok(panel.y >= bell.y + bell.height, `${name}: below the bell`);
    t.ok(panel.width < viewport.width / 2, `${name}: a popover, not a sheet`);
  }
});

t.test('a bell at the bottom of the viewport opens the popover above it', async (t) => {
  const context = await newContext(t, browser, { viewport: { width: 1280, height: 800 } });
  const page = await openWidget(context, host.pageUrl('pia', { css: 'header { position: fixed; inset: auto 0 0 0 }' }));
  const { panel, bell, viewport } = await openCenter(page);
  t.ok(panel.y + panel.height <= bell.y, 'the panel flipped above the bell');
  t.ok(panel.y >= 0 && panel.x + panel.width <= viewport.width, 'and stays on screen');
});

t.test('a light host on a dark OS: light theme by default, the bell in the header’s colour, the page’s font', async (t) => {
  const context = await newContext(t, browser, { colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
  const css =
    'header { color: rgb(20, 60, 30); font-family: Georgia, serif; background: white } body { font-family: Georgia, serif }';
  const page = await openWidget(context, host.pageUrl('pia', { css }));
  t.equal(await page.locator('tresta-notifications').getAttribute('theme'), 'light', 'theme defaults to light');
  const bellColor = await page.locator('slot[name="bell-icon"] > svg').evaluate((svg) => getComputedStyle(svg).color);
  t.equal(bellColor, 'rgb(20, 60, 30)', 'the bell is drawn in the text colour around it');
  await openCenter(page);
  t.equal(
    await widget(page).panel.evaluate((panel) => getComputedStyle(panel).backgroundColor),
    'rgb(255, 255, 255)',
    'the panel is light although the OS is dark',
  );
  t.match(
    await page
      .locator('[part~="item"] .title')
      .first()
      .evaluate((title) => getComputedStyle(title).fontFamily),
    /Georgia/,
    'text inherits the page’s font',
  );

  const auto = await openWidget(context, host.pageUrl('pia', { css, attributes: { theme: 'auto' } }));
  await openCenter(auto);
  t.not(
    await widget(auto).panel.evaluate((panel) => getComputedStyle(panel).backgroundColor),
    'rgb(255, 255, 255)',
    'theme="auto" follows the dark OS',
  );
});

t.test('rows are compact: about 72 px for a title and a one-line message', async (t) => {
  const context = await newContext(t, browser, { viewport: { width: 1280, height: 800 } });
  const page = await openWidget(context, host.pageUrl('pia'));
  await openCenter(page);
  const heights = await page
    .locator('[part~="item"]')
    .evaluateAll((items) => items.map((item) => item.getBoundingClientRect().height));
  for (const height of heights) t.ok(height >= 56 && height <= 80, `a row is ${height.toFixed(1)} px`);
});
