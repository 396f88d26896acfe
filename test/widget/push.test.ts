import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import t from 'tap';
import webpush from 'web-push';
import { startPushService } from '../fakes/push-service.js';
import { DEADLINE_MS, eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';

const browser = await launchBrowser(t);
const pushService = await startPushService();
t.teardown(() => pushService.close());
const vapid = webpush.generateVAPIDKeys();
const host = await startWidgetHost(t, {
  webPush: {
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    subject: 'mailto:ops@tresta.test',
    allowEndpoint: (url) => url.origin === pushService.origin,
  },
  types: { DEPLOY_FINISHED: { email: 'none', push: true, category: 'deploys' } },
});
const SCOPE = `${host.origin}/api/notifications/`;

/** The page registers the plugin's service worker, as the widget does, and waits until it is active. */
async function registerServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/api/notifications/push-sw.js');
    const worker = registration.installing ?? registration.waiting ?? registration.active!;
    if (worker.state === 'activated') return;
    await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
  });
}

/** The registration's id as the DevTools protocol knows it (deliverPushMessage needs it). */
async function registrationId(cdp: CDPSession): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((registration) => registration.scopeURL === SCOPE && !registration.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

/** The notifications the service worker is showing: title, body and where a click goes. */
function shownNotifications(page: Page) {
  return page.evaluate(async (scope) => {
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const notifications = (await registration?.getNotifications()) ?? [];
    return notifications.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as { id: string; link: string | null; actions: string[] },
      actions: (n as Notification & { actions: Array<{ action: string; title: string }> }).actions.map((a) => a.title),
    }));
  }, SCOPE);
}

/** What the server sends for a notification: delivered to a subscription on the fake push service, decrypted there. */
async function serverPayload(
  userId: string,
  input: { title: string; message: string; link: string; actions?: Array<{ label: string; url: string }> },
) {
  const browserSide = pushService.subscribe();
  const response = await host.app.inject({
    method: 'POST',
    url: '/api/notifications/push-subscriptions',
    headers: { authorization: `Bearer ${await host.tokens.sign(userId)}` },
    payload: browserSide.json,
  });
  if (response.statusCode !== 201) throw new Error(`subscribe: ${response.body}`);
  const n = await host.notify(userId, { type: 'DEPLOY_FINISHED', ...input });
  const [push] = await eventually(
    async () => pushService.received.filter((p) => p.subscriptionId === browserSide.id && p.payload.id === n.id),
    (found) => found.length === 1,
    'the push at the push service',
  );
  return { notification: n, payload: push!.payload };
}

t.test('a push delivered to the served service worker shows its notification; a click goes to its link', async (t) => {
  const context: BrowserContext = await newContext(t, browser, { permissions: ['notifications'] });
  const page = await context.newPage();
  await page.goto(host.serveFile('blank.html', '<!doctype html><title>blank</title>', 'text/html'));
  const cdp = await context.newCDPSession(page);
  const id = registrationId(cdp);
  await registerServiceWorker(page);

  const { notification, payload } = await serverPayload('ada', {
    title: 'Deploy finished',
    message: 'main is live',
    link: '/deploys/42',
    actions: [{ label: 'Logs', url: '/deploys/42/logs' }],
  });
  // No page of the site in front of the user: the lock screen shows it.
  await page.goto('about:blank');
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: host.origin,
    registrationId: await id,
    data: JSON.stringify(payload),
  });
  await page.goto(host.serveFile('blank.html', '<!doctype html><title>blank</title>', 'text/html'));
  const [shown] = await eventually(
    () => shownNotifications(page),
    (list) => list.length === 1,
    'the notification',
    DEADLINE_MS,
  );
  t.same(shown, {
    title: 'Deploy finished',
    body: 'main is live',
    tag: notification.id,
    data: { id: notification.id, link: `${host.origin}/deploys/42`, actions: [`${host.origin}/deploys/42/logs`] },
    actions: ['Logs'],
  });
});

t.test('with a page of the site in front, the push is not shown again on the lock screen: the page is told', async (t) => {
  const context = await newContext(t, browser, { permissions: ['notifications'] });
  const page = await context.newPage();
  await page.goto(host.serveFile('front.html', '<!doctype html><title>front</title>', 'text/html'));
  const cdp = await context.newCDPSession(page);
  const id = registrationId(cdp);
  await registerServiceWorker(page);
  const told = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        navigator.serviceWorker.addEventListener('message', (event) => {
          if (event.data?.type === 'tresta-push-shown-live') resolve(event.data.id);
        });
        navigator.serviceWorker.startMessages();
      }),
  );
  t.same(await page.evaluate(() => [document.visibilityState, document.hasFocus()]), ['visible', true], 'the page is in front');
  const { notification, payload } = await serverPayload('bea', { title: 'Live', message: 'shown by the widget', link: '/x' });
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: host.origin,
    registrationId: await id,
    data: JSON.stringify(payload),
  });
  t.equal(await told, notification.id, 'the service worker handled it and told the page');
  t.same(await shownNotifications(page), [], 'nothing on the lock screen');
});

/**
 * Headless Chromium reaches no real push service, so PushManager is the boundary: subscribe() and
 * getSubscription() answer subscriptions of the browser's own shape, made on the fake push service
 * (kept in localStorage, as a browser keeps its subscription across loads). Everything else is
 * real: the permission, the service worker registration, the widget's requests.
 */
const PUSH_MANAGER_AT_THE_BOUNDARY = `
  window.permissionRequests = 0;
  const requestPermission = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = () => { window.permissionRequests++; return requestPermission(); };
  const wrap = (json) => json && {
    endpoint: json.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: Uint8Array.from(atob(json.key), (c) => c.charCodeAt(0)).buffer },
    toJSON: () => ({ endpoint: json.endpoint, expirationTime: null, keys: json.keys }),
    unsubscribe: async () => { localStorage.removeItem('test-subscription'); return true; },
  };
  PushManager.prototype.getSubscription = async () => wrap(JSON.parse(localStorage.getItem('test-subscription')));
  PushManager.prototype.subscribe = async (options) => {
    const next = JSON.parse(localStorage.getItem('test-next-subscription'));
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    localStorage.setItem('test-subscription', JSON.stringify({ ...next, key }));
    return wrap({ ...next, key });
  };
`;

async function storedEndpoints(userId: string): Promise<string[]> {
  const rows = await host.app.notifications.orm.em
    .getConnection()
    .execute<Array<{ endpoint: string }>>(
      'select endpoint from tresta_push_subscriptions where user_id = ? order by created_at',
      [userId],
    );
  return rows.map((row) => row.endpoint);
}

async function openPreferences(page: Page) {
  await widget(page).bell.click();
  await page.locator('[part="panel"] button[aria-label="Preferences"]').click();
  await page.locator('[part="preferences"]').waitFor();
}

t.test(
  'Enable push: permission asked on the click only; the subscription reaches the server; a replaced one is sent again',
  async (t) => {
    const context = await newContext(t, browser, { permissions: ['notifications'] });
    await context.addInitScript(PUSH_MANAGER_AT_THE_BOUNDARY);
    const first = pushService.subscribe().json;
    const page = await openWidget(
      context,
      host.pageUrl('cleo', { css: 'tresta-notifications::part(push) { outline: 3px solid rgb(1, 2, 3); }' }),
    );
    await page.evaluate((json) => localStorage.setItem('test-next-subscription', JSON.stringify(json)), first);
    await openPreferences(page);

    const control = page.locator('[part="push"] button');
    await control.waitFor();
    t.equal((await control.textContent())?.trim(), 'Enable push');
    t.equal(
      await page.locator('[part="push"]').evaluate((row) => getComputedStyle(row).outlineColor),
      'rgb(1, 2, 3)',
      'the host styles the row through ::part(push)',
    );
    t.equal(
      await page.evaluate(() => (window as unknown as { permissionRequests: number }).permissionRequests),
      0,
      'not asked before the click',
    );
    const row = page.locator('tr[data-type="DEPLOY_FINISHED"]');
    t.equal(await row.getByLabel('Deploy finished: Push').isChecked(), true, 'a push type has its push switch');
    t.equal(await page.locator('tr[data-type="NEW_TESTIMONIAL"] input').count(), 2, 'a type without push has none');

    await control.click();
    await eventually(
      async () => [(await control.textContent())?.trim(), await control.isEnabled()] as const,
      ([text, enabled]) => text === 'Turn off push' && enabled,
      'the control to say push is on',
    );
    t.equal(
      await page.evaluate(() => (window as unknown as { permissionRequests: number }).permissionRequests),
      1,
      'asked once, on the click',
    );
    t.same(await storedEndpoints('cleo'), [first.endpoint], 'the server has this browser');
    const registered = await page.evaluate(async () =>
      (await navigator.serviceWorker.getRegistrations()).map(
        (registration) => registration.active?.scriptURL ?? registration.installing?.scriptURL,
      ),
    );
    t.same(
      registered,
      [`${host.origin}/api/notifications/push-sw.js`],
      "through the plugin's service worker, in a scope of its own",
    );

    // The push service replaced the subscription while the page was away: the next load sends the new one.
    const second = pushService.subscribe().json;
    await page.evaluate(({ json, key }) => localStorage.setItem('test-subscription', JSON.stringify({ ...json, key })), {
      json: second,
      key: Buffer.from(vapid.publicKey, 'base64url').toString('base64'),
    });
    await page.reload();
    await eventually(
      () => storedEndpoints('cleo'),
      (endpoints) => endpoints.includes(second.endpoint),
      'the new subscription at the server',
    );
    t.equal(
      await page.evaluate(() => (window as unknown as { permissionRequests: number }).permissionRequests),
      0,
      'never asked on load',
    );

    await openPreferences(page);
    await page.locator('[part="push"] button').click();
    const button = page.locator('[part="push"] button');
    await eventually(
      async () => [(await button.textContent())?.trim(), await button.isEnabled()] as const,
      ([text, enabled]) => text === 'Enable push' && enabled,
      'the control to say push is off',
    );
    t.notOk((await storedEndpoints('cleo')).includes(second.endpoint), 'turning it off removes it at the server');
  },
);
