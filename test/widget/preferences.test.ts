import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
// One type without a category, beside the built-in testimonials and security types.
const host = await startWidgetHost(t, { types: { WEEKLY_REPORT: { email: 'digest' } } });
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

async function serverPreferences(userId: string) {
  const headers = { authorization: `Bearer ${await host.tokens.sign(userId)}` };
  return (await host.app.inject({ url: '/api/notifications/preferences', headers })).json();
}

async function axeSerious(page: Page) {
  await page.addScriptTag({ path: AXE });
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

t.test('preferences: types grouped by category, the required one locked, time zone, hour and digest saved', async (t) => {
  const context = await newContext(t, browser, { timezoneId: 'America/New_York', locale: 'en-US' });
  const page = await openWidget(context, host.pageUrl('lena'));
  const sent: unknown[] = [];
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().endsWith('/api/notifications/preferences')) sent.push(request.postDataJSON());
  });
  await widget(page).bell.click();
  await page.locator('[part="panel"] button[aria-label="Preferences"]').click();
  const form = page.locator('[part="preferences"]');
  await form.waitFor();

  const groups = await form.locator('table').evaluateAll((tables) =>
    tables.map((table) => ({
      caption: table.querySelector('caption')!.textContent!.trim(),
      types: [...table.querySelectorAll<HTMLElement>('tbody tr')].map((row) => row.dataset.type),
    })),
  );
  t.same(
    groups,
    [
      {
        caption: 'testimonials',
        types: ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_REJECTED', 'TESTIMONIAL_FLAGGED'],
      },
      { caption: 'security', types: ['SECURITY_ALERT'] },
      { caption: 'General', types: ['WEEKLY_REPORT'] },
    ],
    'each type under its category, the uncategorised ones under General, last',
  );
  for (const channel of ['In app', 'Email']) {
    const box = form.getByLabel(`Security alert: ${channel}`);
    t.ok(await box.isChecked(), `the required type's ${channel} is on`);
    t.ok(await box.isDisabled(), `and locked`);
  }
  t.match(await form.locator('tr[data-type="SECURITY_ALERT"] th').textContent(), /Always on/);
  t.ok(await form.getByLabel('Weekly report: Email').isEnabled(), 'an optional type can be changed');

  const timeZone = form.getByLabel('Time zone');
  t.equal(await timeZone.inputValue(), 'UTC', "the server's zone is selected");
  t.equal(
    await timeZone
      .locator('option')
      .first()
      .textContent()
      .then((text) => text?.trim()),
    'America/New_York (this device)',
    "the browser's zone is offered first",
  );
  const hour = form.getByLabel('Digest time');
  t.equal(await hour.inputValue(), '9', "the server's hour is selected");
  t.equal(
    await hour
      .locator('option[value="7"]')
      .textContent()
      .then((text) => text?.trim()),
    '7:00 AM',
    "in the user's locale",
  );

  await timeZone.selectOption('Europe/Paris');
  await eventually(
    () => serverPreferences('lena'),
    (p) => p.timeZone === 'Europe/Paris',
    'the time zone saved',
  );
  await hour.selectOption('7');
  await eventually(
    () => serverPreferences('lena'),
    (p) => p.digestHour === 7,
    'the hour saved',
  );
  await form.getByLabel('Email digest').selectOption('weekly');
  const saved = await eventually(
    () => serverPreferences('lena'),
    (p) => p.digest === 'weekly',
    'the digest saved',
  );
  t.match(saved, { timeZone: 'Europe/Paris', digestHour: 7, digest: 'weekly', types: { SECURITY_ALERT: { required: true } } });
  await eventually(
    () => page.locator('.save-state').textContent(),
    (text) => text?.trim() === 'Saved',
    'the saved state',
  );
  t.same(
    sent,
    [{ timeZone: 'Europe/Paris' }, { digestHour: 7 }, { digest: 'weekly' }],
    'each PUT carries only the changed field',
  );

  // Two changes in quick succession: both reach the server, and the view ends on both.
  sent.length = 0;
  await timeZone.selectOption('Asia/Tokyo');
  await hour.selectOption('18');
  await eventually(
    () => serverPreferences('lena'),
    (p) => p.timeZone === 'Asia/Tokyo' && p.digestHour === 18,
    'both saved',
  );
  await eventually(
    () => page.locator('.save-state').textContent(),
    (text) => text?.trim() === 'Saved',
    'the saved state',
  );
  t.same([await timeZone.inputValue(), await hour.inputValue()], ['Asia/Tokyo', '18'], 'the view shows both');
  t.same(sent, [{ timeZone: 'Asia/Tokyo' }, { digestHour: 18 }]);

  t.same(await axeSerious(page), [], 'axe: 0 serious or critical in the preferences');
});

t.test('German: the hours on a 24-hour clock, the headings and labels translated', async (t) => {
  const page = await openWidget(await newContext(t, browser, { locale: 'de-DE' }), host.pageUrl('jonas', { lang: 'de' }));
  await widget(page).bell.click();
  await page.locator('[part="panel"] button[aria-label="Einstellungen"]').click();
  const form = page.locator('[part="preferences"]');
  await form.waitFor();
  const hours = await form.getByLabel('Uhrzeit der Zusammenfassung').locator('option').allTextContents();
  t.same([hours[7]?.trim(), hours[15]?.trim()], ['7:00', '15:00'], 'a 24-hour clock');
  t.ok(await form.getByLabel('Zeitzone').isVisible());
  t.equal(
    await form
      .locator('caption')
      .last()
      .textContent()
      .then((s) => s?.trim()),
    'Allgemein',
  );
});
