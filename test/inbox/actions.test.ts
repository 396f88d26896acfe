import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { until } from '../helpers/until.js';
import { renderNotificationEmail } from '../../plugin/email/templates/notification-email.js';
import { DEFAULT_BRAND } from '../../plugin/email/templates/brand.js';

const base = { userId: 'ana', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'From Firefox on Linux' };
const actions = [
  { label: 'It was me', url: '/security/confirm?id=1', style: 'secondary' as const },
  { label: 'Secure my account', url: 'https://tresta.app/security/lock', style: 'primary' as const },
];

t.test('actions round-trip: notify() → the list → PATCH → the real-time view', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const sent = await app.notifications.notify({ ...base, actions });
  t.same(sent.actions, actions);
  const plain = await app.notifications.notify({ ...base, actions: [{ label: 'Open', url: '/x' }] });
  t.same(plain.actions, [{ label: 'Open', url: '/x' }], 'style is optional and stays absent');
  const none = await app.notifications.notify(base);
  t.same(none.actions, [], 'no actions: an empty list');

  const headers = await authFor('ana');
  const listed = (await app.inject({ url: '/api/notifications', headers })).json().items;
  t.same(listed.find((n: { id: string }) => n.id === sent.id).actions, actions, 'stored and listed');
  const patched = await app.inject({ method: 'PATCH', url: `/api/notifications/${sent.id}`, headers, payload: { isRead: true } });
  t.same(patched.json().actions, actions);
});

t.test('hostile or malformed actions are refused before anything is written', async (t) => {
  const { app } = await buildTestApp(t);
  const bad: Array<[unknown, RegExp]> = [
    [[{ label: 'x', url: 'javascript:alert(1)' }], /actions\[0\]\.url/],
    [[{ label: 'x', url: 'data:text/html,<script>alert(1)</script>' }], /actions\[0\]\.url/],
    [[{ label: 'x', url: '//evil.example/phish' }], /actions\[0\]\.url/],
    [[{ label: 'x', url: '/\\evil.example' }], /actions\[0\]\.url/],
    [[{ label: 'x', url: 'https://ok.example/a b' }], /actions\[0\]\.url/],
    [[{ label: 'x', url: 'vbscript:msgbox' }], /actions\[0\]\.url/],
    [[{ label: 'ok', url: '/a' }, { label: 'x' }], /actions\[1\]\.url/],
    [[{ label: '', url: '/a' }], /actions\[0\]\.label/],
    [[{ label: '   ', url: '/a' }], /actions\[0\]\.label/],
    [[{ label: 'x'.repeat(41), url: '/a' }], /actions\[0\]\.label/],
    [[{ label: 'a\u0000b', url: '/a' }], /actions\[0\]\.label/],
    [[{ label: 'x', url: '/a', style: 'danger' }], /actions\[0\]\.style/],
    [[{ label: 'x', url: '/a', onclick: 'alert(1)' }], /actions\[0\]\.onclick/],
    [
      [
        { label: 'a', url: '/a' },
        { label: 'b', url: '/b' },
        { label: 'c', url: '/c' },
      ],
      /"actions" must hold at most 2/,
    ],
    [{ label: 'x', url: '/a' }, /"actions" must be an array/],
    [['/a'], /actions\[0\]/],
  ];
  for (const [value, message] of bad) {
    await t.rejects(
      app.notifications.notify({ ...base, actions: value } as never),
      { code: 'TRESTA_ERR_NOTIFY_INVALID_INPUT', statusCode: 400, message },
      JSON.stringify(value),
    );
  }
  const [row] = await app.notifications.orm.em.fork().execute('select count(*)::int as count from tresta_notifications');
  t.equal(row?.count, 0, 'nothing was written');
});

t.test('the email renders each action as a button (and as a line of the text part)', async (t) => {
  const email = renderNotificationEmail({
    brand: DEFAULT_BRAND,
    appUrl: 'https://tresta.app',
    from: 'Tresta <notifications@tresta.app>',
    to: 'ana@example.test',
    notification: { id: '0b5c4c1e-8d3f-4e58-9a57-2f3f1d2e6a10', ...base, link: null, actions },
    unsubscribe: null,
  });
  t.match(
    email.html,
    /<a href="https:\/\/tresta\.app\/security\/confirm\?id=1"[^>]*border:1px solid[^>]*>It was me<\/a>/,
    'secondary: outlined',
  );
  t.match(
    email.html,
    /<a href="https:\/\/tresta\.app\/security\/lock"[^>]*background:#4f46e5[^>]*>Secure my account<\/a>/,
    'primary: filled',
  );
  t.match(
    email.text,
    /It was me: https:\/\/tresta\.app\/security\/confirm\?id=1\nSecure my account: https:\/\/tresta\.app\/security\/lock/,
  );
  const hostile = renderNotificationEmail({
    brand: DEFAULT_BRAND,
    appUrl: 'https://tresta.app',
    from: 'x@tresta.app',
    to: 'ana@example.test',
    notification: {
      id: '0b5c4c1e-8d3f-4e58-9a57-2f3f1d2e6a10',
      ...base,
      link: null,
      actions: [{ label: '<b>"x"</b>', url: '/ok?a="b"&c=<d>' }],
    },
    unsubscribe: null,
  });
  t.match(hostile.html, /&lt;b&gt;&quot;x&quot;&lt;\/b&gt;/, 'the label is escaped');
  t.notMatch(hostile.html, /<b>/);
});

t.test('a worker emails the buttons (the mailbox keeps what was sent)', async (t) => {
  const { app } = await buildTestApp(t, {
    workers: true,
    email: { enabled: false, resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }) },
  });
  const sent = await app.notifications.notify({ ...base, actions });
  const [copy] = await until(
    () =>
      app.notifications.orm.em
        .fork()
        .execute<Array<{ html: string; text: string }>>('select html, text from tresta_mailbox where idempotency_key = ?', [
          `notification-email/${sent.id}`,
        ]),
    (rows) => rows.length === 1,
    'the email in the mailbox',
  );
  t.match(copy!.html, />It was me<\/a>/);
  t.match(copy!.html, />Secure my account<\/a>/);
});
