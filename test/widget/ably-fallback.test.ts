import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import t from 'tap';
import { eventually, launchBrowser, newContext, openWidget, startWidgetHost, widget } from '../helpers/browser.js';
import { freePort } from '../helpers/private-redis.js';

// Ably is offered, at an address where nothing answers: for the browser, Ably is unreachable. The
// server's own REST publishes to that address are answered by a fake, so delivery is not retried.
const ABLY_KEY = 'appid.keyid:s3cr3t';
const deadPort = await freePort();
const publishes: string[] = [];
const ably = setupServer(
  http.post(new RegExp(`^http://localhost:${deadPort}/channels/[^/]+/messages$`), async ({ request }) => {
    publishes.push(await request.text());
    return HttpResponse.json({ channel: 'c', messageId: 'm' }, { status: 201 });
  }),
);
ably.listen({ onUnhandledRequest: 'bypass' });
t.teardown(() => ably.close());

const browser = await launchBrowser(t);
const host = await startWidgetHost(t, {
  realtime: { ablyApiKey: ABLY_KEY, ablyClientOptions: { endpoint: 'localhost', port: deadPort, tls: false } },
});

t.test('Ably offered but unreachable: the widget falls back to the WebSocket and still receives', async (t) => {
  const page = await openWidget(await newContext(t, browser), host.pageUrl('ably_user'));
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await page.reload();
  const ui = widget(page);
  await eventually(ui.transport, (transport) => transport === 'websocket', 'the fallback to the WebSocket', 40_000);
  t.ok(
    requested.some((path) => /^\/api\/notifications\/widget\/ably-transport-[\w-]+\.js$/.test(path)),
    'the Ably chunk was loaded on demand',
  );
  t.ok(requested.includes('/api/ably/token'), 'a token request came from the token route');
  t.ok(requested.includes('/api/notifications/realtime'), 'the transports were asked first');

  const sent = await host.notify('ably_user', { title: 'Through the fallback' });
  await eventually(ui.toastTitles, (titles) => titles.includes('Through the fallback'), 'the toast');
  await eventually(
    () => Promise.resolve(publishes.some((body) => body.includes(sent.id))),
    Boolean,
    'the publish to Ably as well',
  );
});

t.test('a page that is not offered Ably never loads its chunk', async (t) => {
  const plain = await startWidgetHost(t);
  const context = await newContext(t, browser);
  const requested: string[] = [];
  context.on('request', (request) => requested.push(new URL(request.url()).pathname));
  const page = await openWidget(context, plain.pageUrl('no_ably'));
  await eventually(
    () => widget(page).transport(),
    (transport) => transport === 'websocket',
    'the WebSocket',
  );
  t.notOk(
    requested.some((path) => path.includes('ably')),
    'no Ably chunk, no token request',
  );
});
