import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t, {
  types: { BUILD_FAILED: { email: 'none', category: 'builds', severity: 'critical' } },
});

async function serverItems(userId: string, status = 'all') {
  const headers = { authorization: `Bearer ${await host.tokens.sign(userId)}` };
  const list = await host.app.inject({ url: `/api/notifications?limit=100&status=${status}`, headers });
  return list.json().items as Array<{ title: string; isRead: boolean; isArchived: boolean }>;
}

const tabText = (page: import('playwright-core').Page) =>
  page.locator('[part~="tab"]').evaluateAll((tabs) => tabs.map((tab) => tab.textContent!.replace(/\s+/g, ' ').trim()));

t.test('tabs All / Unread / Archived with unread counts; archive, move back and "Archive read"', async (t) => {
  for (let i = 0; i < 4; i++) await host.notify('ari', { title: `Inbox ${i}` });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('ari'));
  const ui = widget(page);
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 4, 'the list');
  t.same(await tabText(page), ['All 4', 'Unread 4', 'Archived'], 'the default tabs, with unread counts');

  await page.locator('[part~="item"]', { hasText: 'Inbox 0' }).locator('[part="item-archive"]').click();
  await eventually(ui.itemTitles, (titles) => !titles.includes('Inbox 0'), 'the archived item to leave the list');
  await eventually(
    () => serverItems('ari', 'archived'),
    (items) => items.some((item) => item.title === 'Inbox 0'),
    'the server to have it archived',
  );
  await eventually(ui.badgeText, (text) => text === '3', 'an archived unread one to leave the count');

  await page.locator('[part~="tab"]', { hasText: 'Archived' }).click();
  await eventually(ui.itemTitles, (titles) => titles.length === 1 && titles[0] === 'Inbox 0', 'the Archived tab');
  await page.locator('[part~="item"]', { hasText: 'Inbox 0' }).locator('[part="item-archive"]').click();
  await eventually(ui.itemTitles, (titles) => titles.length === 0, 'moved back to the inbox');
  await eventually(
    () => serverItems('ari'),
    (items) => items.length === 4,
    'the server to have it back',
  );

  await page.locator('[part~="tab"]', { hasText: 'Unread' }).click();
  await eventually(ui.itemTitles, (titles) => titles.length === 4, 'the Unread tab');
  await page.locator('[part~="item"]', { hasText: 'Inbox 1' }).locator('[part="item-toggle"]').click();
  await page.locator('[part~="item"]', { hasText: 'Inbox 2' }).locator('[part="item-toggle"]').click();
  await eventually(ui.badgeText, (text) => text === '2', 'two read');
  await page.locator('[part~="tab"]', { hasText: 'All' }).click();
  await eventually(ui.itemTitles, (titles) => titles.length === 4, 'the All tab');
  await page.locator('[part="archive-read"]').click();
  await eventually(ui.itemTitles, (titles) => [...titles].sort().join() === 'Inbox 0,Inbox 3', 'read ones archived');
  await eventually(
    () => serverItems('ari', 'archived'),
    (items) => items.length === 2,
    'the server to have archived both',
  );
});

t.test('category tabs count their own unread; a second browser tab follows an archive live', async (t) => {
  await host.notify('cat', { type: 'BUILD_FAILED', title: 'Build 1 failed' });
  await host.notify('cat', { type: 'BUILD_FAILED', title: 'Build 2 failed' });
  await host.notify('cat', { title: 'A testimonial' });
  const context = await newContext(t, browser);
  const script = `widget.tabs = [{ label: 'Everything' }, { label: 'Builds', category: 'builds' }];`;
  const page = await openWidget(context, host.pageUrl('cat', { script }));
  const other = await openWidget(context, host.pageUrl('cat', { script }));
  const ui = widget(page);
  await ui.bell.click();
  await eventually(
    () => tabText(page),
    (tabs) => tabs.join() === 'Everything 3,Builds 2',
    'per-tab counts',
  );
  await page.locator('[part~="tab"]', { hasText: 'Builds' }).click();
  await eventually(
    ui.itemTitles,
    (titles) => titles.length === 2 && titles.every((title) => title.startsWith('Build')),
    'the Builds tab',
  );
  t.equal(
    await page
      .locator('[part~="item"]')
      .first()
      .getAttribute('class')
      .then((value) => value?.includes('severity-critical')),
    true,
    'critical items are marked as such',
  );
  await widget(other).bell.click();
  await eventually(widget(other).itemTitles, (titles) => titles.length === 3, 'the other tab’s list');
  await page.locator('[part~="item"]', { hasText: 'Build 1 failed' }).locator('[part="item-archive"]').click();
  await eventually(
    widget(other).itemTitles,
    (titles) => titles.length === 2 && !titles.includes('Build 1 failed'),
    'the other tab to follow',
  );
  await eventually(widget(other).badgeText, (text) => text === '2', 'and its count');
});

t.test('action buttons: tresta-action is cancelable; uncanceled, the action url opens and the item is read', async (t) => {
  await host.notify('act', {
    title: 'Approve?',
    actions: [
      { label: 'Approve', url: '/testimonials/7/approve', style: 'primary' },
      { label: 'Later', url: '/later' },
    ],
  });
  const script = `widget.addEventListener('tresta-action', (event) => {
    window.__actions = [...(window.__actions ?? []), event.detail.action.label];
    if (event.detail.action.label === 'Later') event.preventDefault();
  });`;
  const page = await openWidget(await newContext(t, browser), host.pageUrl('act', { script }));
  const ui = widget(page);
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 1, 'the list');
  await page.locator('[part~="action"]', { hasText: 'Later' }).click();
  t.same(await page.evaluate(() => (window as { __actions?: string[] }).__actions), ['Later'], 'the event fired');
  t.match(page.url(), /\/test\/page\//, 'a canceled action does not navigate');
  await page.locator('[part~="action"]', { hasText: 'Approve' }).click();
  await page.waitForURL(`${host.origin}/testimonials/7/approve`);
  await eventually(
    () => serverItems('act'),
    (items) => items[0]?.isRead === true,
    'the item read',
  );
  t.pass('the action url opened');
});

t.test('a toast click opens its notification; toasts carry the action buttons', async (t) => {
  const page = await openWidget(await newContext(t, browser), host.pageUrl('toa'));
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket');
  await host.notify('toa', { title: 'Plain toast' });
  await eventually(ui.toastTitles, (titles) => titles.includes('Plain toast'), 'the toast');
  await page.locator('[part="toast"]', { hasText: 'Plain toast' }).locator('.body').click();
  await ui.panel.waitFor();
  await eventually(
    () =>
      page.evaluate(() => {
        let active = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return active?.closest('.item')?.querySelector('.title')?.textContent ?? null;
      }),
    (title) => title === 'Plain toast',
    'focus on that notification in the center',
  );
  await page.keyboard.press('Escape');
  await host.notify('toa', {
    title: 'Linked toast',
    link: '/testimonials/9',
    actions: [{ label: 'Open', url: '/testimonials/9' }],
  });
  await eventually(ui.toastTitles, (titles) => titles.includes('Linked toast'), 'the linked toast');
  t.equal(
    await page.locator('[part="toast"]', { hasText: 'Linked toast' }).locator('[part~="action"]').count(),
    1,
    'its action button',
  );
  await page.locator('[part="toast"]', { hasText: 'Linked toast' }).locator('.body').click();
  await page.waitForURL(`${host.origin}/testimonials/9`);
  await eventually(
    () => serverItems('toa'),
    (items) => items.find((item) => item.title === 'Linked toast')?.isRead === true,
    'it was read',
  );
});

t.test('a group shows as one row with its count, expandable', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('grp', { title: `Testimonial ${i}`, groupKey: 'testimonials' });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('grp'));
  const ui = widget(page);
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 1, 'one row for the group');
  const toggle = page.locator('[part="group-toggle"]');
  t.equal((await toggle.textContent())?.trim(), 'Show all 3');
  await toggle.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 3, 'the group expanded');
  t.equal(await toggle.getAttribute('aria-expanded'), 'true');
});
