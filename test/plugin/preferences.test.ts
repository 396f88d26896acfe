import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

t.test('defaults, partial updates, and every registered type listed', async (t) => {
  const { app, authFor } = await buildTestApp(t, { types: { WEEKLY_REPORT: { email: 'digest' } } });
  const headers = await authFor('prefs_user');
  const defaults = (await app.inject({ url: '/api/notifications/preferences', headers })).json();
  t.match(defaults, { emailEnabled: true, inAppEnabled: true, digest: 'daily' });
  t.same(Object.keys(defaults.types).sort(), [
    'NEW_TESTIMONIAL',
    'SECURITY_ALERT',
    'TESTIMONIAL_APPROVED',
    'TESTIMONIAL_FLAGGED',
    'TESTIMONIAL_REJECTED',
    'WEEKLY_REPORT',
  ]);
  t.same(defaults.types.WEEKLY_REPORT, { inApp: true, email: true, required: false, category: null });
  t.same(defaults.types.SECURITY_ALERT, { inApp: true, email: true, required: true, category: 'security' }, 'with its category');

  const put = await app.inject({
    method: 'PUT',
    url: '/api/notifications/preferences',
    headers,
    payload: { digest: 'weekly', types: { NEW_TESTIMONIAL: { email: false } } },
  });
  t.equal(put.statusCode, 200);
  t.match(put.json(), { emailEnabled: true, digest: 'weekly', types: { NEW_TESTIMONIAL: { inApp: true, email: false } } });

  await app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers, payload: { emailEnabled: false } });
  const after = (await app.inject({ url: '/api/notifications/preferences', headers })).json();
  t.match(
    after,
    { emailEnabled: false, digest: 'weekly', types: { NEW_TESTIMONIAL: { inApp: true, email: false } } },
    'earlier changes are kept',
  );

  const other = (await app.inject({ url: '/api/notifications/preferences', headers: await authFor('someone_else') })).json();
  t.match(
    other,
    { emailEnabled: true, digest: 'daily', types: { NEW_TESTIMONIAL: { email: true } } },
    "another user's preferences are their own",
  );
});

t.test('unknown types and bad values are 400 and change nothing', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const headers = await authFor('prefs_user');
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ types: { NOT_A_TYPE: { email: false } } }, 'TRESTA_ERR_PREFERENCES_INVALID'],
    [{ digest: 'hourly' }, 'FST_ERR_VALIDATION'],
    [{ emailEnabled: 'no' }, 'FST_ERR_VALIDATION'],
    [{ types: { NEW_TESTIMONIAL: { email: 'off' } } }, 'FST_ERR_VALIDATION'],
    [{}, 'FST_ERR_VALIDATION'],
    [{ types: { NEW_TESTIMONIAL: { email: false, category: 'other' } } }, 'TRESTA_ERR_API_UNKNOWN_KEY'],
  ];
  for (const [payload, code] of bad) {
    const res = await app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers, payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().code, code, JSON.stringify(payload));
  }
  const prefs = (await app.inject({ url: '/api/notifications/preferences', headers })).json();
  t.match(prefs, { emailEnabled: true, digest: 'daily', types: { NEW_TESTIMONIAL: { email: true } } });
  const [row] = await app.notifications.orm.em
    .fork()
    .execute('select count(*)::int as count from tresta_notification_preferences');
  t.equal(row?.count, 0, 'no row was written');
});
