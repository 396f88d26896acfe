import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const note = (userId: string, title: string) => ({ userId, type: 'NEW_TESTIMONIAL', title, message: 'm' });

async function listening(t: Test) {
  const built = await buildTestApp(t);
  const address = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...built, wsUrl: `${address.replace('http', 'ws')}/api/notifications/ws` };
}

const titles = (body: { items: Array<{ title: string }> }) => body.items.map((item) => item.title).sort();

t.test('archive and unarchive: the list, the archived tab, the unread count and the other tabs follow', async (t) => {
  const { app, authFor, tokens, wsUrl } = await listening(t);
  const [first, second, third] = await app.notifications.notifyMany([
    note('ava', 'one'),
    note('ava', 'two'),
    note('ava', 'three'),
  ]);
  const headers = await authFor('ava');
  const otherTab = await connectAuthenticated(wsUrl, await tokens.sign('ava'), APP_ORIGIN);
  t.teardown(() => otherTab.socket.close());
  const count = async (query = '') =>
    (await app.inject({ url: `/api/notifications/unread-count${query}`, headers })).json().count;
  const list = async (query = '') => (await app.inject({ url: `/api/notifications${query}`, headers })).json();

  const archived = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${first!.id}`,
    headers,
    payload: { isArchived: true },
  });
  t.equal(archived.statusCode, 200);
  t.match(archived.json(), { id: first!.id, isArchived: true, archivedAt: String, isRead: false });
  t.same(titles(await list()), ['three', 'two'], 'an archived notification leaves the default list');
  t.same(titles(await list('?status=all')), ['three', 'two'], '`all` is everything not archived');
  t.same(titles(await list('?status=archived')), ['one'], 'and is in the archived tab');
  t.equal(await count(), 2, 'and leaves the unread count');
  t.match(
    await otherTab.waitFor((f) => f.name === 'notifications-archived'),
    { data: { ids: [first!.id], isArchived: true, unreadCount: 2 } },
    'the other tab hears of it with the new count',
  );

  const back = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${first!.id}`,
    headers,
    payload: { isArchived: false },
  });
  t.match(back.json(), { isArchived: false, archivedAt: null });
  t.equal(await count(), 3, 'unarchived, it counts again');
  t.match(
    await otherTab.waitFor(
      (f) => f.name === 'notifications-archived' && (f.data as { isArchived: boolean }).isArchived === false,
    ),
    { data: { ids: [first!.id], unreadCount: 3 } },
  );

  // Read and archive in one request.
  const both = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${second!.id}`,
    headers,
    payload: { isRead: true, isArchived: true },
  });
  t.match(both.json(), { isRead: true, readAt: String, isArchived: true, archivedAt: String });
  t.same(titles(await list('?status=archived&unread=true')), [], 'unread=true narrows the archived tab too');
  t.same(titles(await list('?status=read')), [], 'read but archived: not in the read tab');
  t.same(titles(await list('?status=unread')), ['one', 'three']);
  t.equal(third!.isArchived, false);
});

t.test('archive-read archives every read notification, and only the caller’s', async (t) => {
  const { app, authFor, tokens, wsUrl } = await listening(t);
  const mine = await app.notifications.notifyMany(['a', 'b', 'c', 'd'].map((title) => note('ben', title)));
  const theirs = await app.notifications.notify(note('cleo', 'theirs'));
  const headers = await authFor('ben');
  const cleo = await authFor('cleo');
  await app.inject({ method: 'PATCH', url: `/api/notifications/${theirs.id}`, headers: cleo, payload: { isRead: true } });
  for (const n of mine.slice(0, 2)) {
    await app.inject({ method: 'PATCH', url: `/api/notifications/${n.id}`, headers, payload: { isRead: true } });
  }
  const otherTab = await connectAuthenticated(wsUrl, await tokens.sign('ben'), APP_ORIGIN);
  t.teardown(() => otherTab.socket.close());

  const first = await app.inject({ method: 'POST', url: '/api/notifications/archive-read', headers });
  t.equal(first.statusCode, 200);
  t.same(first.json(), { updated: 2 });
  t.match(await otherTab.waitFor((f) => f.name === 'notifications-archived'), {
    data: { allRead: true, isArchived: true, unreadCount: 2 },
  });
  t.same(titles((await app.inject({ url: '/api/notifications', headers })).json()), ['c', 'd']);
  t.same(titles((await app.inject({ url: '/api/notifications?status=archived', headers })).json()), ['a', 'b']);
  t.same(
    (await app.inject({ method: 'POST', url: '/api/notifications/archive-read', headers, payload: {} })).json(),
    { updated: 0 },
    'again: nothing left to archive (an empty object is an empty body)',
  );
  t.same(
    titles((await app.inject({ url: '/api/notifications', headers: cleo })).json()),
    ['theirs'],
    "another user's read notification stays in their inbox",
  );

  const typo = await app.inject({ method: 'POST', url: '/api/notifications/archive-read', headers, payload: { category: 'x' } });
  t.equal(typo.statusCode, 400, 'archive-read takes no filter: a key is refused, not ignored');
  t.match(typo.json(), { code: 'TRESTA_ERR_API_UNKNOWN_KEY', message: /"category"/ });
});

t.test("archiving another user's notification: 404, and it stays in their inbox", async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const theirs = await app.notifications.notify(note('dora', 'private'));
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${theirs.id}`,
    headers: await authFor('eve'),
    payload: { isArchived: true },
  });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'TRESTA_ERR_API_NOT_FOUND');
  const dora = await authFor('dora');
  t.same(titles((await app.inject({ url: '/api/notifications', headers: dora })).json()), ['private']);
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers: dora })).json(), { count: 1 });
});
