import t from 'tap';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';

t.test('every body route refuses unknown keys with a 400 naming the key, and changes nothing', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const n = await app.notifications.notify({ userId: 'uma', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const user = await authFor('uma');
  const admin = await authFor('root', { role: 'admin' });
  const cases: Array<{
    method: 'PATCH' | 'PUT' | 'POST';
    url: string;
    headers: Record<string, string>;
    payload: object;
    key: string;
    where: string;
  }> = [
    {
      method: 'PUT',
      url: '/api/notifications/preferences',
      headers: user,
      payload: { emailEnable: false },
      key: 'emailEnable',
      where: 'body',
    },
    {
      method: 'PUT',
      url: '/api/notifications/preferences',
      headers: user,
      payload: { emailEnabled: false, types: { NEW_TESTIMONIAL: { emial: false } } },
      key: 'emial',
      where: 'body/types/NEW_TESTIMONIAL',
    },
    {
      method: 'PATCH',
      url: `/api/notifications/${n.id}`,
      headers: user,
      payload: { isReed: true },
      key: 'isReed',
      where: 'body',
    },
    {
      method: 'PATCH',
      url: `/api/notifications/${n.id}`,
      headers: user,
      payload: { isRead: true, archived: true },
      key: 'archived',
      where: 'body',
    },
    {
      method: 'POST',
      url: '/api/notifications/mark-all-read',
      headers: user,
      payload: { ids: [n.id] },
      key: 'ids',
      where: 'body',
    },
    {
      method: 'POST',
      url: '/api/notifications/archive-read',
      headers: user,
      payload: { olderThan: 'P7D' },
      key: 'olderThan',
      where: 'body',
    },
    {
      method: 'POST',
      url: '/admin/dlq/00000000-0000-4000-8000-000000000000/requeue',
      headers: admin,
      payload: { force: true },
      key: 'force',
      where: 'body',
    },
    { method: 'POST', url: '/admin/jobs/digest/run', headers: admin, payload: { now: '2026-01-01' }, key: 'now', where: 'body' },
  ];
  const state = () =>
    app.notifications.orm.em.fork().execute(
      `select (select md5(coalesce(string_agg(n::text, '|'), '')) from tresta_notifications n) as notifications,
                (select count(*)::int from tresta_notification_preferences) as preferences`,
    );
  const before = await state();
  for (const { method, url, headers, payload, key, where } of cases) {
    const res = await app.inject({ method, url, headers, payload });
    t.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`);
    t.same(res.json(), {
      statusCode: 400,
      code: 'TRESTA_ERR_API_UNKNOWN_KEY',
      error: 'Bad Request',
      message: `Unknown key "${key}" in ${where}`,
    });
  }
  for (const [url, payload] of [
    [`/api/notifications/${n.id}`, { isRead: 'true' }],
    ['/api/notifications/mark-all-read', false],
    ['/api/notifications/mark-all-read', 0],
  ] as const) {
    const res = await app.inject({
      method: url.endsWith('read') ? 'POST' : 'PATCH',
      url,
      headers: { ...user, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}: a JSON body is taken as it is typed, never coerced`);
  }
  t.same(await state(), before, 'no request changed anything');
});

t.test('bodies without unknown keys still work, and so do POSTs without a body', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const n = await app.notifications.notify({ userId: 'vic', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const headers = await authFor('vic');
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/api/notifications/${n.id}`, headers, payload: { isRead: true } })).statusCode,
    200,
  );
  t.equal(
    (await app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers, payload: { emailEnabled: false } }))
      .statusCode,
    200,
  );
  t.same(
    (await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers })).json(),
    { updated: 0 },
    'no body',
  );
  t.same(
    (await app.inject({ method: 'POST', url: '/api/notifications/archive-read', headers })).json(),
    { updated: 1 },
    'no body',
  );
  const empty = await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers, payload: {} });
  t.equal(empty.statusCode, 200, '`{}` is an empty body');
  const list = await app.inject({ url: '/api/notifications?limit=5&_=1700000000', headers });
  t.equal(list.statusCode, 200, 'an unknown query parameter (a cache-buster) is still dropped, not refused');
});

t.test("the host's own routes keep Fastify's Ajv settings", async (t) => {
  const host = await buildSecondInstance(t, await buildTestApp(t));
  host.post(
    '/host/echo',
    { schema: { body: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } } } },
    async (request) => request.body,
  );
  const res = await host.inject({ method: 'POST', url: '/host/echo', payload: { name: 'x', extra: 1 } });
  t.equal(res.statusCode, 200, "Fastify's default for the host: unknown keys are removed, not refused");
  t.same(res.json(), { name: 'x' });
});
