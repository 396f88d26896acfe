import t, { type Test } from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);

/**
 * The widget for a user, connected, with the page's timers on Playwright's clock and the clock
 * paused: "a minute passes" is then a call (`page.clock.runFor`), not a wait.
 */
async function openOnPausedClock(t: Test, userId: string) {
  const context = await newContext(t, browser);
  await context.clock.install();
  const page = await openWidget(context, host.pageUrl(userId));
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket to connect');
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
  return { page, ui };
}

t.test('the badge shows the unread count with a spoken label, and 9+ above nine', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('ada', { title: `Old ${i}` });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('ada'));
  const ui = widget(page);
  t.equal(await eventually(ui.badgeText, (text) => text === '3', 'the badge to show 3'), '3');
  t.equal(await ui.bellLabel(), '3 unread notifications', 'the bell says what the badge shows');

  for (let i = 0; i < 8; i++) await host.notify('ada', { title: `More ${i}` });
  t.equal(await eventually(ui.badgeText, (text) => text === '9+', 'the badge to show 9+'), '9+');
  t.equal(
    await eventually(ui.bellLabel, (label) => label === '9+ unread notifications', 'the label to say what the badge shows'),
    '9+ unread notifications',
  );
  t.equal(
    await eventually(
      () => page.evaluate(() => document.querySelector('tresta-notifications')!.unreadCount),
      (count) => count === 11,
      'the count of 11',
    ),
    11,
    'the element still knows the exact count',
  );
});

t.test('a notification produced on the server arrives over the WebSocket: a toast, and the top of the list', async (t) => {
  await host.notify('grace', { title: 'Earlier one' });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('grace'));
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket to connect');
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles[0] === 'Earlier one', 'the list to load');

  const sent = await host.notify('grace', { title: 'Fresh testimonial', message: 'Linus left 4 stars' });
  t.same(await eventually(ui.toastTitles, (titles) => titles.includes('Fresh testimonial'), 'the toast'), ['Fresh testimonial']);
  const titles = await eventually(ui.itemTitles, (titles) => titles[0] === 'Fresh testimonial', 'the new item at the top');
  t.same(titles, ['Fresh testimonial', 'Earlier one'], 'newest first, each once');
  t.equal(await page.locator(`[part~="item"][data-id="${sent.id}"]`).count(), 1);
  t.equal(await eventually(ui.badgeText, (text) => text === '2', 'the badge to count it'), '2');
  t.equal(await page.locator('[part="toast-stack"]').getAttribute('aria-live'), 'polite');
});

t.test('toasts stack, leave by themselves, and no-toasts turns them off', async (t) => {
  // Paused: the first toast cannot leave before the second arrives, however slow the machine.
  const { page, ui } = await openOnPausedClock(t, 'hopper');
  await host.notify('hopper', { title: 'First' });
  await host.notify('hopper', { title: 'Second' });
  t.same(
    (await eventually(ui.toastTitles, (titles) => titles.length === 2, 'two stacked toasts')).sort(),
    ['First', 'Second'],
    'both stacked (in the order they arrived)',
  );
  await page.clock.runFor(60_000);
  t.same(await eventually(ui.toastTitles, (titles) => titles.length === 0, 'the toasts to leave'), [], 'gone by themselves');

  // Another browser, so no other tab could have shown the toast instead.
  const quiet = await openWidget(await newContext(t, browser), host.pageUrl('hopper', { attributes: { 'no-toasts': '' } }));
  await eventually(
    () => widget(quiet).transport(),
    (transport) => transport === 'websocket',
    'the quiet tab to connect',
  );
  await host.notify('hopper', { title: 'Silent' });
  await eventually(
    () => widget(quiet).badgeText(),
    (text) => text === '3',
    'the quiet tab to count it',
  );
  t.same(await widget(quiet).toastTitles(), [], 'no toast with no-toasts');
});

t.test('a toast stays while the pointer or focus is on it, and leaves once they go (fake clock)', async (t) => {
  const { page, ui } = await openOnPausedClock(t, 'lovelace');
  const aMinute = 60_000;

  await host.notify('lovelace', { title: 'Hold me' });
  await eventually(ui.toastTitles, (titles) => titles.includes('Hold me'), 'the toast');
  await page.locator('[part="toast"]').hover();
  await page.clock.runFor(aMinute);
  t.same(await ui.toastTitles(), ['Hold me'], 'a minute under the pointer: still there');
  await page.mouse.move(1, 1);
  await page.clock.runFor(aMinute);
  t.same(
    await eventually(ui.toastTitles, (titles) => titles.length === 0, 'the toast to leave'),
    [],
    'gone once the pointer left',
  );

  await host.notify('lovelace', { title: 'Focus me' });
  await eventually(ui.toastTitles, (titles) => titles.includes('Focus me'), 'the second toast');
  await page.locator('[part="toast"] .body').focus();
  await page.clock.runFor(aMinute);
  t.same(await ui.toastTitles(), ['Focus me'], 'a minute with focus inside: still there');
  await ui.bell.focus();
  await page.clock.runFor(aMinute);
  t.same(await eventually(ui.toastTitles, (titles) => titles.length === 0, 'the toast to leave'), [], 'gone once focus left');
});
