import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);

t.test('infinite scroll over 55 notifications shows each exactly once, newest first', async (t) => {
  // One batch: the rows share a timestamp, so paging relies on the cursor's id tie-break.
  const sent = await host.app.notifications.notifyMany(
    Array.from({ length: 55 }, (_, i) => ({ userId: 'scroller', type: 'NEW_TESTIMONIAL', title: `Item ${i}`, message: 'm' })),
  );
  // Delivered before the page opens: on a slow machine live arrivals would otherwise fill the list
  // instead of its pages.
  await eventually(
    async () => {
      const [row] = await host.app.notifications.orm.em
        .getConnection()
        .execute<Array<{ count: number }>>(
          "select count(*)::int as count from tresta_outbox where user_id = 'scroller' and status = 'published'",
        );
      return row?.count;
    },
    (count) => count === 55,
    'the 55 to be delivered',
  );
  const page = await openWidget(await newContext(t, browser), host.pageUrl('scroller'));
  const ui = widget(page);
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 20, 'the first page');

  const ids = await eventually(
    async () => {
      await page.locator('.scroller').evaluate((scroller) => scroller.scrollTo({ top: scroller.scrollHeight }));
      return page.locator('[part~="item"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')));
    },
    (ids) => ids.length >= 55,
    'every page to load while scrolling',
  );
  await page.locator('.end').waitFor({ state: 'detached' });
  t.equal(ids.length, 55, 'no more than 55 items');
  t.equal(new Set(ids).size, 55, 'no item twice');
  t.same(new Set(ids), new Set(sent.map((notification) => notification.id)), 'every notification once');
  const times = await page
    .locator('[part~="item"] time')
    .evaluateAll((times) => times.map((time) => time.getAttribute('datetime')!));
  t.same(times, [...times].sort().reverse(), 'newest first');
});

t.test('mark all read in one tab clears the badge in another tab of the same browser', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('tabby', { title: `Unread ${i}` });
  const context = await newContext(t, browser);
  const first = await openWidget(context, host.pageUrl('tabby'));
  const second = await openWidget(context, host.pageUrl('tabby'));
  await eventually(
    () => widget(first).badgeText(),
    (text) => text === '3',
    'the first tab’s count',
  );
  await eventually(
    () => widget(second).badgeText(),
    (text) => text === '3',
    'the second tab’s count',
  );
  const transports = await eventually(
    async () => [await widget(first).transport(), await widget(second).transport()].sort(),
    (both) => both.join() === 'offline,websocket',
    'one tab to lead over the WebSocket, the other to follow',
  );
  t.same(transports, ['offline', 'websocket'], 'one connection for the browser: one tab leads, the other follows');

  await widget(first).bell.click();
  await first.locator('[part="mark-all-read"]').click();
  t.equal(
    await eventually(
      () => widget(first).badgeText(),
      (text) => text === null,
      'the first badge to clear',
    ),
    null,
  );
  t.equal(
    await eventually(
      () => widget(second).badgeText(),
      (text) => text === null,
      'the second badge to clear',
    ),
    null,
  );
  t.equal(await widget(second).bellLabel(), 'Notifications, none unread');

  // A new notification reaches both tabs through the one connection; only one of them shows a toast.
  await host.notify('tabby', { title: 'Shared' });
  await eventually(
    () => widget(first).badgeText(),
    (text) => text === '1',
    'the first tab to count it',
  );
  await eventually(
    () => widget(second).badgeText(),
    (text) => text === '1',
    'the second tab to count it',
  );
  const toasts = await eventually(
    async () => [...(await widget(first).toastTitles()), ...(await widget(second).toastTitles())],
    (titles) => titles.length > 0,
    'a toast',
  );
  t.same(toasts, ['Shared'], 'one toast in one tab, never a second one in the other');

  // The leading tab closes: the other takes over the connection.
  const [leader, follower] = transports[0] === 'websocket' ? [first, second] : [second, first];
  await leader.close();
  await eventually(
    () => widget(follower).transport(),
    (transport) => transport === 'websocket',
    'the follower to take over',
  );
  await host.notify('tabby', { title: 'After the leader left' });
  await eventually(
    () => widget(follower).badgeText(),
    (text) => text === '2',
    'the new leader to receive',
  );
});
