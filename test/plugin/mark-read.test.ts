import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const note = (userId: string, title = 'hello') => ({ userId, type: 'TESTIMONIAL_APPROVED', title, message: 'm' });

t.test('PATCH marks the owner’s notification read, then unread', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const n = await app.notifications.notify(note('owner'));
  const headers = await authFor('owner');

  const read = await app.inject({ method: 'PATCH', url: `/api/notifications/${n.id}`, headers, payload: { isRead: true } });
  t.equal(read.statusCode, 200);
  t.match(read.json(), { id: n.id, isRead: true, readAt: String });
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 0 });

  const unread = await app.inject({ method: 'PATCH', url: `/api/notifications/${n.id}`, headers, payload: { isRead: false } });
  t.match(unread.json(), { id: n.id, isRead: false, readAt: null });
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 1 });
});

t.test("another user's notification: 404 on every route, and the victim's data unchanged", async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const victimsNote = await app.notifications.notify(note('victim', 'private'));
  await app.notifications.notify(note('attacker'));
  const attacker = await authFor('attacker');
  const victim = await authFor('victim');

  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${victimsNote.id}`,
    headers: attacker,
    payload: { isRead: true },
  });
  t.equal(patch.statusCode, 404);
  t.equal(patch.json().code, 'TRESTA_ERR_API_NOT_FOUND');
  t.same(
    (
      await app.inject({
        method: 'PATCH',
        url: '/api/notifications/00000000-0000-4000-8000-000000000000',
        headers: attacker,
        payload: { isRead: true },
      })
    ).statusCode,
    404,
    'a missing id answers the same as a foreign one',
  );

  const markAll = await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers: attacker });
  t.same(markAll.json(), { updated: 1 }, "mark-all-read touches only the caller's rows");

  const list = await app.inject({ url: '/api/notifications', headers: attacker });
  t.notMatch(list.body, /private/, "the attacker's list has none of the victim's notifications");

  const victimList = (await app.inject({ url: '/api/notifications', headers: victim })).json();
  t.match(victimList.items, [{ id: victimsNote.id, isRead: false, readAt: null }], 'the victim’s notification is untouched');
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers: victim })).json(), { count: 1 });
});

t.test('mark-all-read answers the number updated', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  await app.notifications.notifyMany(Array.from({ length: 12 }, () => note('many')));
  const headers = await authFor('many');
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 12 });
  t.same((await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers })).json(), { updated: 12 });
  t.same(
    (await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers })).json(),
    { updated: 0 },
    'twice: nothing left to update',
  );
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 0 });
});

t.test('malformed ids and bodies are 400', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const n = await app.notifications.notify(note('owner'));
  const headers = await authFor('owner');
  const cases = [
    { url: '/api/notifications/not-a-uuid', payload: { isRead: true } },
    { url: "/api/notifications/1'%20or%201=1", payload: { isRead: true } },
    { url: `/api/notifications/${n.id}`, payload: { isRead: 'yes' } },
    { url: `/api/notifications/${n.id}`, payload: {} },
  ];
  for (const { url, payload } of cases) {
    const res = await app.inject({ method: 'PATCH', url, headers, payload });
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
    t.equal(res.json().code, 'FST_ERR_VALIDATION');
  }
  const garbage = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${n.id}`,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: '{"isRead":',
  });
  t.equal(garbage.statusCode, 400, 'malformed JSON');
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers })).json(), { count: 1 }, 'nothing changed');
});
