import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

// pollIntervalMs is 1 s on the test host (30 s by default).
const browser = await launchBrowser(t);
const host = await startWidgetHost(t);

t.test('the WebSocket killed: polling shows new items; items produced while offline appear after the reconnect', async (t) => {
  const page = await openWidget(await newContext(t, browser), host.pageUrl('otto'));
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket');
  await ui.bell.click();
  const status = page.locator('[part="panel"] [role="status"]');
  await eventually(
    () => status.allTextContents(),
    (texts) => texts.some((text) => text.trim() === 'You are all caught up.'),
    'the empty state',
  );

  host.blockWebSocket(true);
  await eventually(ui.transport, (transport) => transport === 'polling', 'polling to take over');
  await host.notify('otto', { title: 'Found by polling' });
  await eventually(ui.itemTitles, (titles) => titles[0] === 'Found by polling', 'the polled item at the top');
  t.equal(await ui.transport(), 'polling', 'still polling: the socket is refused');
  await eventually(ui.toastTitles, (titles) => titles.includes('Found by polling'), 'its toast');

  // Now nothing reaches the server at all.
  host.blockApi(true);
  await host.notify('otto', { title: 'While offline 1' });
  await host.notify('otto', { title: 'While offline 2' });
  t.same((await ui.itemTitles())[0], 'Found by polling', 'nothing can arrive while offline');
  host.blockApi(false);
  host.blockWebSocket(false);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket to reconnect');
  const titles = await eventually(ui.itemTitles, (titles) => titles.length === 3, 'the missed items');
  t.same(titles, ['While offline 2', 'While offline 1', 'Found by polling'], 'caught up, each once, newest first');
  t.equal(await ui.badgeText(), '3');
});

t.test('a failed first load shows an error state with a retry that recovers', async (t) => {
  await host.notify('rita', { title: 'Behind the error' });
  const context = await newContext(t, browser);
  host.blockApi(true);
  t.teardown(() => host.blockApi(false));
  const page = await openWidget(context, host.pageUrl('rita'));
  const ui = widget(page);
  await ui.bell.click();
  const alert = page.locator('[part="panel"] [role="alert"]');
  await alert.waitFor({ timeout: 20_000 });
  t.match(await alert.textContent(), /could not be loaded/);
  host.blockApi(false);
  await alert.locator('button', { hasText: 'Retry' }).click();
  t.same(await eventually(ui.itemTitles, (titles) => titles.length === 1, 'the list after the retry'), ['Behind the error']);
});

t.test('idle: disconnects after the timeout without activity, reconnects and catches up on the next', async (t) => {
  const page = await openWidget(await newContext(t, browser), host.pageUrl('ida'));
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the WebSocket');
  await page.evaluate(() => {
    document.querySelector('tresta-notifications')!.idleTimeoutMs = 1_000;
  });
  await page.mouse.move(10, 10); // activity: the watcher re-arms with the short timeout
  await eventually(ui.transport, (transport) => transport === 'offline', 'the idle disconnect');
  await host.notify('ida', { title: 'While idle' });
  await page.keyboard.press('Shift');
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the reconnect on activity');
  t.equal(await eventually(ui.badgeText, (text) => text === '1', 'the catch-up'), '1');
});
