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
      tag: active?.tagName.toLowerCase() ?? null,
      part: active?.getAttribute('part') ?? null,
      id: active?.closest<HTMLElement>('[data-id]')?.dataset.id ?? null,
      title: active?.closest('.item')?.querySelector('.title')?.textContent ?? null,
      inPanel: Boolean(active?.closest('[part="panel"]')),
    };
  });
}

async function axeSerious(page: Page) {
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run: (context: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
      }
    ).axe.run(document);
    return result.violations.map(({ id, impact, nodes }) => ({ id, impact, nodes: nodes.length }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

t.test(
  'keyboard: focus on the heading, one Tab stop for the list, arrows, Home and End, Escape after a bulk action',
  async (t) => {
    for (let i = 0; i < 12; i++) await host.notify('kim', { title: `Key ${String(i).padStart(2, '0')}` });
    const page = await openWidget(await newContext(t, browser), host.pageUrl('kim'));
    const ui = widget(page);
    await eventually(ui.badgeText, (text) => text === '9+', 'the badge');
    t.equal(await ui.bellLabel(), '9+ unread notifications', 'the bell’s name says what the badge shows');

    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await eventually(ui.itemTitles, (titles) => titles.length === 12, 'the list');
    t.match(await focused(page), { tag: 'h2', inPanel: true }, 'opening focuses the heading');

    // Tab from the heading through the header and the tabs to the list: the list is one stop.
    let where = await focused(page);
    for (let i = 0; i < 10 && where.part !== 'item-link'; i++) {
      await page.keyboard.press('Tab');
      where = await focused(page);
    }
    t.equal(where.title, 'Key 11', 'Tab reaches the newest item');
    await page.keyboard.press('ArrowDown');
    t.equal((await focused(page)).title, 'Key 10', 'ArrowDown moves to the next item');
    await page.keyboard.press('End');
    t.equal((await focused(page)).title, 'Key 00', 'End moves to the last');
    await page.keyboard.press('Home');
    t.equal((await focused(page)).title, 'Key 11', 'Home moves to the first');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    const next = await focused(page);
    t.equal(next.part, 'item-toggle', 'Tab from an item goes to its own buttons');
    t.equal(next.title, 'Key 10', 'of that same item');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    t.not((await focused(page)).title, 'Key 09', 'and then leaves the list, not to the next item');

    await page.locator('[part="mark-all-read"]').click();
    await eventually(ui.badgeText, (text) => text === null, 'the badge to clear');
    t.match(await focused(page), { inPanel: true }, 'focus stays in the dialog after Mark all read');
    await page.keyboard.press('Escape');
    await ui.panel.waitFor({ state: 'detached' });
    t.equal((await focused(page)).part, 'bell', 'Escape closed it and focus is back on the bell');

    await ui.bell.click();
    await ui.panel.waitFor();
    await page.locator('h1').click();
    await eventually(
      () => ui.panel.count(),
      (count) => count === 0,
      'a click outside to close it',
    );
    await ui.bell.click();
    await ui.panel.waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Escape');
    await ui.panel.waitFor({ state: 'detached' });
    t.pass('Escape closes it with focus on the page');
  },
);

t.test('axe-core: 0 serious or critical with 12+ notifications on every tab, the sheet and the preferences', async (t) => {
  for (let i = 0; i < 14; i++) {
    const n = await host.notify('ada', {
      title: `Accessible ${i}`,
      type: i % 4 === 0 ? 'SECURITY_ALERT' : 'NEW_TESTIMONIAL',
      link: i % 2 ? '/x' : null,
      actions: i % 3 === 0 ? [{ label: 'Review', url: '/review', style: 'primary' }] : undefined,
    });
    if (i % 5 === 0)
      await host.app.notifications.orm.em
        .getConnection()
        .execute('update tresta_notifications set is_archived = true, archived_at = now() where id = ?', [n.id]);
  }
  for (const [theme, viewport] of [
    ['light', { width: 1280, height: 800 }],
    ['dark', { width: 1280, height: 800 }],
    ['light', { width: 375, height: 740 }],
  ] as const) {
    const what = `${theme} ${viewport.width}px`;
    const page = await openWidget(await newContext(t, browser, { viewport }), host.pageUrl('ada', { attributes: { theme } }));
    const ui = widget(page);
    await eventually(ui.badgeText, (text) => text !== null, 'the count');
    await page.addScriptTag({ path: AXE });
    t.same(await axeSerious(page), [], `${what}: the bell`);
    await ui.bell.click();
    await eventually(ui.itemTitles, (titles) => titles.length >= 11, 'the list');
    t.same(await axeSerious(page), [], `${what}: the All tab`);
    for (const tab of ['Unread', 'Archived']) {
      await page.locator('[part~="tab"]', { hasText: tab }).click();
      await eventually(
        () => page.locator('[part~="tab-active"]').textContent(),
        (text) => Boolean(text?.includes(tab)),
        `the ${tab} tab`,
      );
      await eventually(ui.itemTitles, (titles) => titles.length > 0, `the ${tab} list`);
      t.same(await axeSerious(page), [], `${what}: the ${tab} tab`);
    }
    await page.locator('[part="panel"] button[aria-label="Preferences"]').click();
    await page.locator('[part="preferences"]').waitFor();
    t.same(await axeSerious(page), [], `${what}: the preferences`);
  }
});
