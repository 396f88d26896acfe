import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

const PREFERENCES = '/api/notifications/preferences';

t.test('a required type cannot be turned off: 400 naming it, nothing written', async (t) => {
  const { app, authFor } = await buildTestApp(t, { types: { PASSWORD_CHANGED: { email: 'normal', required: true } } });
  const headers = await authFor('rita');
  const before = (await app.inject({ url: PREFERENCES, headers })).json();
  t.match(before.types, {
    SECURITY_ALERT: { inApp: true, email: true, required: true },
    PASSWORD_CHANGED: { required: true },
    NEW_TESTIMONIAL: { required: false },
  });

  for (const payload of [
    { types: { SECURITY_ALERT: { email: false } } },
    { types: { SECURITY_ALERT: { inApp: false } } },
    { types: { PASSWORD_CHANGED: { email: false } } },
    { types: { NEW_TESTIMONIAL: { email: false }, SECURITY_ALERT: { inApp: false, email: true } } },
  ]) {
    const res = await app.inject({ method: 'PUT', url: PREFERENCES, headers, payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    const type = Object.keys(payload.types).find((name) => name !== 'NEW_TESTIMONIAL')!;
    t.match(
      res.json(),
      { code: 'TRESTA_ERR_PREFERENCES_REQUIRED', message: new RegExp(`"${type}"`) },
      'the answer names the type',
    );
  }
  const [row] = await app.notifications.orm.em
    .fork()
    .execute('select count(*)::int as count from tresta_notification_preferences');
  t.equal(row?.count, 0, 'no preferences row was written, not even the allowed part of a refused update');

  const on = await app.inject({
    method: 'PUT',
    url: PREFERENCES,
    headers,
    payload: { types: { SECURITY_ALERT: { email: true } } },
  });
  t.equal(on.statusCode, 200, 'turning a required type on is allowed (it changes nothing)');
  t.match(on.json().types.SECURITY_ALERT, { inApp: true, email: true, required: true });

  // A row written before the type became required (or by hand) does not switch it off either.
  await app.notifications.orm.em
    .fork()
    .execute(`update tresta_notification_preferences set types = '{"SECURITY_ALERT": {"inApp": false, "email": false}}'`);
  t.match((await app.inject({ url: PREFERENCES, headers })).json().types.SECURITY_ALERT, { inApp: true, email: true });
});

t.test('a required type reaches the user in app and by email even with both switched off globally', async (t) => {
  const { app, authFor, tokens } = await buildTestApp(t, {
    workers: true,
    email: { enabled: false, resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }) },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const headers = await authFor('sam');
  const off = await app.inject({
    method: 'PUT',
    url: PREFERENCES,
    headers,
    payload: { emailEnabled: false, inAppEnabled: false },
  });
  t.equal(off.statusCode, 200);
  const socket = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await tokens.sign('sam'),
    APP_ORIGIN,
  );
  t.teardown(() => socket.socket.close());

  const quiet = await app.notifications.notify({ userId: 'sam', type: 'TESTIMONIAL_FLAGGED', title: 'Flagged', message: 'm' });
  const alert = await app.notifications.notify({ userId: 'sam', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'm' });
  t.match(await socket.waitFor((f) => f.name === 'new-notification'), { data: { id: alert.id, required: true } });
  const em = app.notifications.orm.em.fork();
  const mailbox = () =>
    em.execute<Array<{ idempotency_key: string }>>('select idempotency_key from tresta_mailbox order by created_at');
  await until(mailbox, (rows) => rows.length > 0, 'the security alert’s email');
  // Its delivery has decided (no real-time message, no email job) once its outbox row is published.
  await until(
    () =>
      em.execute<Array<{ delivered: boolean }>>(
        "select status = 'published' as delivered from tresta_outbox where notification_id = ?",
        [quiet.id],
      ),
    (rows) => rows[0]?.delivered === true,
    'the other type’s delivery decision',
  );
  t.same(
    (await mailbox()).map((row) => row.idempotency_key),
    [`notification-email/${alert.id}`],
    'the required type is emailed; the other critical type, switched off, is not',
  );
  t.same(await em.execute('select notification_id from tresta_email_deliveries where notification_id = ?', [quiet.id]), []);
  t.notOk(
    socket.frames.some((f) => (f.data as { id?: string } | undefined)?.id === quiet.id),
    'in-app off: the other type is not published',
  );
});

t.test('a required type emailed normally carries no unsubscribe link; another normal type does', async (t) => {
  const { app } = await buildTestApp(t, {
    workers: true,
    types: { PASSWORD_CHANGED: { email: 'normal', required: true }, WEEKLY_REPORT: { email: 'normal' } },
    email: {
      enabled: false,
      unsubscribeSecret: 'unsubscribe-secret-for-tests-0123456789',
      resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
    },
  });
  const required = await app.notifications.notify({ userId: 'tess', type: 'PASSWORD_CHANGED', title: 'Changed', message: 'm' });
  const optional = await app.notifications.notify({ userId: 'tess', type: 'WEEKLY_REPORT', title: 'Report', message: 'm' });
  const em = app.notifications.orm.em.fork();
  const emails = await until(
    () =>
      em.execute<Array<{ idempotency_key: string; headers: Record<string, string>; html: string }>>(
        'select idempotency_key, headers, html from tresta_mailbox',
      ),
    (rows) => rows.length === 2,
    'both emails in the mailbox',
  );
  const of = (id: string) => emails.find((row) => row.idempotency_key === `notification-email/${id}`)!;
  t.notOk(of(required.id).headers['List-Unsubscribe'], 'no List-Unsubscribe on the required type');
  t.notMatch(of(required.id).html, /Unsubscribe/);
  t.match(of(optional.id).headers['List-Unsubscribe'], /^<https:\/\//, 'the optional one keeps its one-click link');
});
