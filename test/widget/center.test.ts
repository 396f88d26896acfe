import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const host = await startWidgetHost(t);

async function serverState(userId: string) {
  const headers = { authorization: `Bearer ${await host.tokens.sign(userId)}` };
  const list = await host.app.inject({ url: '/api/notifications?limit=100', headers });
  const preferences = await host.app.inject({ url: '/api/notifications/preferences', headers });
  return { items: list.json().items as Array<{ title: string; isRead: boolean }>, preferences: preferences.json() };
}

t.test('mark one read and unread; clicking an item marks it read and follows its link', async (t) => {
  await host.notify('rosa', { title: 'No link' });
  await host.notify('rosa', { title: 'With link', link: '/testimonials/42' });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('rosa'));
  const ui = widget(page);
  await eventually(ui.badgeText, (text) => text === '2', 'the count');
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 2, 'the list');

  const plain = page.locator('[part~="item"]', { hasText: 'No link' });
  await plain.locator('[part="item-toggle"]').click();
  await eventually(ui.badgeText, (text) => text === '1', 'the count after marking read');
  t.equal(await plain.getAttribute('part'), 'item item-read');
  t.equal(await plain.locator('[part="item-toggle"]').getAttribute('aria-label'), 'Mark as unread');
  await eventually(
    () => serverState('rosa'),
    (state) => state.items.find((item) => item.title === 'No link')?.isRead === true,
    'the server to have it read',
  );
  await plain.locator('[part="item-toggle"]').click();
  await eventually(ui.badgeText, (text) => text === '2', 'the count after marking unread');
  await eventually(
    () => serverState('rosa'),
    (state) => state.items.find((item) => item.title === 'No link')?.isRead === false,
    'the server to have it unread',
  );

  await page.locator('[part~="item"]', { hasText: 'With link' }).locator('a[part="item-link"]').click();
  await page.waitForURL(`${host.origin}/testimonials/42`);
  await eventually(
    () => serverState('rosa'),
    (state) => state.items.find((item) => item.title === 'With link')?.isRead === true,
    'the clicked item to be read',
  );
  t.pass('the link was followed and the item marked read');
});

t.test('preferences: email on/off, digest, per-type in-app and email are saved', async (t) => {
  const page = await openWidget(await newContext(t, browser), host.pageUrl('pref'));
  await widget(page).bell.click();
  await page.locator('[part="panel"] button[aria-label="Preferences"]').click();
  const form = page.locator('[part="preferences"]');
  await form.waitFor();
  await form.getByLabel('Email notifications').uncheck();
  await eventually(
    () => serverState('pref'),
    (state) => state.preferences.emailEnabled === false,
    'email off',
  );
  await form.getByLabel('Email digest').selectOption('weekly');
  await eventually(
    () => serverState('pref'),
    (state) => state.preferences.digest === 'weekly',
    'a weekly digest',
  );
  await form.getByLabel('Testimonial flagged: In app').uncheck();
  await form.getByLabel('New testimonial: Email').uncheck();
  const { preferences } = await eventually(
    () => serverState('pref'),
    (state) => !state.preferences.types.TESTIMONIAL_FLAGGED.inApp && !state.preferences.types.NEW_TESTIMONIAL.email,
    'the per-type choices',
  );
  t.match(preferences, { emailEnabled: false, digest: 'weekly', types: { TESTIMONIAL_FLAGGED: { inApp: false, email: true } } });
  await page.locator('[part="panel"] button[aria-label="Back to notifications"]').click();
  await page.locator('[part="preferences"]').waitFor({ state: 'detached' });
});

t.test('German strings, plurals and relative times; a right-to-left page keeps the panel on screen', async (t) => {
  for (let i = 0; i < 3; i++) await host.notify('greta', { title: `Hallo ${i}` });
  const page = await openWidget(await newContext(t, browser), host.pageUrl('greta', { lang: 'de' }));
  const ui = widget(page);
  t.equal(
    await eventually(ui.bellLabel, (label) => label === '3 ungelesene Benachrichtigungen', 'the German label'),
    '3 ungelesene Benachrichtigungen',
  );
  await ui.bell.click();
  await eventually(ui.itemTitles, (titles) => titles.length === 3, 'the list');
  t.equal(await page.locator('[part="mark-all-read"]').getAttribute('aria-label'), 'Alle als gelesen markieren');
  // The long German label is an icon button's name (and tooltip): the header stays one line high.
  const header = (await page.locator('[part="header"]').boundingBox())!;
  t.ok(header.height < 56, `the German header is one line (${header.height}px)`);
  t.match(await page.locator('[part~="item"] time').first().textContent(), /^(jetzt|vor \d+ (Sekunden|Minuten?))$/);

  for (const dir of ['rtl', 'ltr'] as const) {
    const sided = await openWidget(await newContext(t, browser), host.pageUrl('greta', { dir }));
    await widget(sided).bell.click();
    const panel = await widget(sided).panel.boundingBox();
    const bell = await widget(sided).bell.boundingBox();
    const viewport = sided.viewportSize()!;
    t.ok(panel && panel.x >= 0 && panel.x + panel.width <= viewport.width, `${dir}: the panel is within the viewport`);
    if (dir === 'rtl') t.ok(bell && panel && Math.abs(panel.x - bell.x) < 2, 'rtl: the panel opens from the bell’s start edge');
  }
});
