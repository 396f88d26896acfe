import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);

t.test('slots bell-icon and empty, renderItem and icons replace the built-in parts', async (t) => {
  await host.notify('cus', { title: 'Custom body', type: 'SECURITY_ALERT' });
  const children =
    '<span slot="bell-icon" id="my-icon">🔔</span><p slot="empty" id="my-empty">Nothing here, go build something.</p>';
  const script = `
    widget.icons = { SECURITY_ALERT: '🛡️' };
    widget.renderItem = (n) => {
      if (n.type !== 'SECURITY_ALERT') return null;
      const el = document.createElement('strong');
      el.className = 'host-item';
      el.textContent = 'Host: ' + n.title;
      return el;
    };`;
  const page = await openWidget(await newContext(t, browser), host.pageUrl('cus', { children, script }));
  const ui = widget(page);
  t.ok(await page.locator('#my-icon').isVisible(), 'the host’s bell icon is shown');
  t.equal(await page.locator('slot[name="bell-icon"] > svg').isVisible(), false, 'instead of the built-in one');
  await ui.bell.click();
  await eventually(
    () => page.locator('.host-item').allTextContents(),
    (texts) => texts.join() === 'Host: Custom body',
    'renderItem',
  );
  t.equal((await page.locator('[part="item-icon"]').first().textContent())?.trim(), '🛡️', 'the host’s icon for the type');
  await page.locator('[part~="tab"]', { hasText: 'Archived' }).click();
  await eventually(() => page.locator('#my-empty').isVisible(), Boolean, 'the host’s empty state');
});

t.test('mode="inline" is a full inbox in the page flow: no bell, no dialog', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('inl', { title: `Inline ${i}` });
  // Not openWidget, which waits for a bell.
  const inline = await (await newContext(t, browser)).newPage();
  await inline.goto(host.pageUrl('inl', { attributes: { mode: 'inline' } }));
  await eventually(widget(inline).itemTitles, (titles) => titles.length === 3, 'the inline list');
  t.equal(await inline.locator('[part="bell"]').count(), 0, 'no bell');
  t.equal(await widget(inline).panel.getAttribute('role'), 'region', 'a region of the page, not a dialog');
  t.equal(await inline.locator('[part="panel"]').evaluate((panel) => getComputedStyle(panel).position), 'static', 'in the flow');
  await inline.keyboard.press('Escape');
  t.equal(await widget(inline).panel.count(), 1, 'Escape does not close an inline inbox');
});

t.test('no request to the API before the host sets a token provider', async (t) => {
  const page = await (await newContext(t, browser)).newPage();
  const apiRequests: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/') && !url.pathname.startsWith('/api/notifications/widget')) apiRequests.push(url.pathname);
  });
  // Like React: the element is in the page first, the provider comes in an effect, later.
  await page.goto(
    host.pageUrl('late', { tokenProvider: false, script: 'window.setProvider = () => (widget.tokenProvider = sessionToken);' }),
  );
  await page.locator('[part="bell"]').waitFor();
  // Without the wait for credentials the first requests go out as the first update completes.
  await page.evaluate(async () => {
    await document.querySelector('tresta-notifications')!.updateComplete;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
  await page.waitForLoadState('networkidle');
  t.same(apiRequests, [], 'nothing was requested without credentials');
  await host.notify('late', { title: 'After the token' });
  await page.evaluate(() => (window as unknown as { setProvider: () => void }).setProvider());
  await eventually(widget(page).badgeText, (text) => text === '1', 'the count once the provider is set');
  await eventually(widget(page).transport, (transport) => transport === 'websocket', 'the connection');
});

t.test('the badge shows the count even when the list fails to load', async (t) => {
  for (let i = 0; i < 2; i++) await host.notify('bad', { title: `Counted ${i}` });
  const context = await newContext(t, browser);
  // The list route fails; the count route answers.
  await context.route(/\/api\/notifications\?/, (route) => route.fulfill({ status: 500, body: '{}' }));
  const page = await openWidget(context, host.pageUrl('bad'));
  const ui = widget(page);
  t.equal(await eventually(ui.badgeText, (text) => text === '2', 'the badge'), '2');
  await ui.bell.click();
  await page.locator('[part="panel"] [role="alert"]').waitFor();
  t.pass('the center shows the list’s error, with the badge still counting');
});
