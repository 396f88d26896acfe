import { access, readFile } from 'node:fs/promises';
import t from 'tap';
import { WebSocket } from 'ws';
import type * as ClientModule from '../../../widget/client/index.js';
import type { RealtimeMessage } from '../../../widget/client/types.js';
import { startWidgetHost } from '../../helpers/browser.js';
import { until } from '../../helpers/until.js';

// The package's own name resolves through its exports map (a self-reference), to the built bundle
// (npm run build:widget): this is what a host importing `tresta-notifications/client` gets.
const SPECIFIER = 'tresta-notifications/client';
const { NotificationsClient } = (await import(SPECIFIER)) as typeof ClientModule;

const host = await startWidgetHost(t);

function clientFor(userId: string) {
  return new NotificationsClient({
    apiBase: `${host.origin}/api`,
    tokenProvider: () => host.tokens.sign(userId),
    // Node 20 has no global WebSocket; a browser would need none of this.
    createSocket: (url) =>
      new WebSocket(url, { headers: { origin: host.origin } }) as unknown as ReturnType<
        NonNullable<ClientModule.NotificationsClientOptions['createSocket']>
      >,
  });
}

t.test('the exports map points at the built client and its types', async (t) => {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>;
  };
  const entry = pkg.exports['./client']!;
  for (const file of [entry.default, entry.types]) {
    await access(new URL(`../../../${file}`, import.meta.url));
    t.pass(`${file} exists`);
  }
});

t.test('list, counts, read, archive and preferences over the real API', async (t) => {
  const client = clientFor('hedy');
  for (let i = 0; i < 3; i++) await host.notify('hedy', { title: `Headless ${i}` });
  const page = await client.list({ limit: 2 });
  t.equal(page.items.length, 2);
  t.ok(page.nextCursor, 'a cursor to the rest');
  t.equal((await client.list({ cursor: page.nextCursor })).items.length, 1, 'the next page');
  t.equal(await client.unreadCount(), 3);

  const first = page.items[0]!;
  t.equal((await client.markRead(first.id)).isRead, true, 'markRead answers the server’s version');
  t.equal(await client.unreadCount(), 2);
  t.equal((await client.list({ status: 'unread' })).items.length, 2, 'the unread filter');
  await client.archive(first.id);
  t.same(
    (await client.list({ status: 'archived' })).items.map((item) => item.id),
    [first.id],
    'archived',
  );
  await client.archive(first.id, false);
  await client.markRead(page.items[1]!.id);
  t.same(await client.archiveRead(), { updated: 2 }, 'archiveRead archives both read ones');
  await client.markAllRead();
  t.equal(await client.unreadCount(), 0);

  const preferences = await client.getPreferences();
  t.equal(preferences.digest, 'daily');
  t.equal((await client.updatePreferences({ digest: 'weekly' })).digest, 'weekly');
});

t.test('subscribe: real-time messages over the built-in WebSocket, stopped by close()', async (t) => {
  const client = clientFor('sub');
  const messages: RealtimeMessage[] = [];
  const stop = client.subscribe((message) => messages.push(message));
  t.teardown(() => client.close());
  await until(
    () => client.status,
    (status) => status === 'websocket',
    'the WebSocket',
  );
  const sent = await host.notify('sub', { title: 'Live, headless' });
  await until(
    () => messages.some((message) => message.name === 'new-notification' && message.data.id === sent.id),
    Boolean,
    'the message',
  );
  await client.markRead(sent.id);
  await until(() => messages.some((message) => message.name === 'notifications-read'), Boolean, 'the read message');
  stop();
  await until(
    () => client.status,
    (status) => status === 'offline',
    'the connection to close with the last subscriber',
  );
});
