import t from 'tap';
import webpush from 'web-push';
import { buildTestApp } from '../helpers/app.js';
import { isBrowserPushService } from '../../plugin/push/endpoint.js';
import { startPushService } from '../fakes/push-service.js';

const vapid = webpush.generateVAPIDKeys();
const webPush = { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:ops@tresta.test' };

const pushService = await startPushService();
t.teardown(() => pushService.close());

t.test('the default allowEndpoint: https on the browsers’ push services only', async (t) => {
  const allowed = [
    'https://fcm.googleapis.com/fcm/send/abc:def',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
    'https://web.push.apple.com/QGuQyavXutnMH',
    'https://wns2-db5p.notify.windows.com/w/?token=BQYAAA',
  ];
  const refused = [
    'http://fcm.googleapis.com/fcm/send/abc', // not https
    'https://127.0.0.1/push',
    'https://localhost/push',
    'https://[::1]/push',
    'https://10.0.0.8/push',
    'https://192.168.1.20/push',
    'https://172.16.0.1/push',
    'https://169.254.169.254/latest/meta-data',
    'https://push.example.com/fcm/send/abc', // unknown host
    'https://fcm.googleapis.com.evil.test/fcm/send/abc', // a look-alike
    'https://evilpush.services.mozilla.com.attacker.test/x',
    'https://fcm.googleapis.com:8443/fcm/send/abc', // another port
    'https://user:pass@fcm.googleapis.com/fcm/send/abc',
  ];
  for (const url of allowed) t.ok(isBrowserPushService(new URL(url)), url);
  for (const url of refused) t.notOk(isBrowserPushService(new URL(url)), url);
});

t.test('POST push-subscriptions: the browser’s JSON is stored; bad keys, bad endpoints and unknown keys are 400', async (t) => {
  const { app, authFor } = await buildTestApp(t, { webPush });
  const ada = await authFor('ada');
  const rows = async () =>
    app.notifications.orm.em
      .getConnection()
      .execute<Array<{ user_id: string; endpoint: string; p256dh: string; auth: string; user_agent: string | null }>>(
        'select user_id, endpoint, p256dh, auth, user_agent from tresta_push_subscriptions order by created_at',
      );
  const browser = pushService.subscribe().json;
  const fcm = { ...browser, endpoint: 'https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b' };

  const created = await app.inject({
    method: 'POST',
    url: '/api/notifications/push-subscriptions',
    headers: { ...ada, 'user-agent': 'Chrome/131' },
    payload: fcm,
  });
  t.equal(created.statusCode, 201);
  t.match(created.json(), { endpoint: fcm.endpoint, createdAt: String });
  t.match(await rows(), [
    { user_id: 'ada', endpoint: fcm.endpoint, p256dh: fcm.keys.p256dh, auth: fcm.keys.auth, user_agent: 'Chrome/131' },
  ]);
  const again = await app.inject({ method: 'POST', url: '/api/notifications/push-subscriptions', headers: ada, payload: fcm });
  t.equal(again.statusCode, 200, 'the same browser again: updated, not doubled');
  t.equal((await rows()).length, 1);

  const refusals: Array<[string, unknown, string]> = [
    ['http endpoint', { ...fcm, endpoint: 'http://fcm.googleapis.com/fcm/send/x' }, 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'],
    ['loopback', { ...fcm, endpoint: browser.endpoint }, 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'],
    ['private network', { ...fcm, endpoint: 'https://10.1.2.3/push/x' }, 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'],
    ['home network', { ...fcm, endpoint: 'https://192.168.0.10/push/x' }, 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'],
    ['unknown host', { ...fcm, endpoint: 'https://push.example.com/x' }, 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'],
    ['not a URL', { ...fcm, endpoint: 'fcm.googleapis.com/fcm' }, 'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION'],
    [
      'p256dh too short',
      { ...fcm, keys: { ...fcm.keys, p256dh: Buffer.alloc(33, 2).toString('base64url') } },
      'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION',
    ],
    [
      'p256dh not on the curve',
      { ...fcm, keys: { ...fcm.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } },
      'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION',
    ],
    ['p256dh not base64url', { ...fcm, keys: { ...fcm.keys, p256dh: '***' } }, 'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION'],
    [
      'auth of 12 bytes',
      { ...fcm, keys: { ...fcm.keys, auth: Buffer.alloc(12, 7).toString('base64url') } },
      'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION',
    ],
    ['unknown key', { ...fcm, extra: true }, 'TRESTA_ERR_API_UNKNOWN_KEY'],
    ['unknown key in keys', { ...fcm, keys: { ...fcm.keys, other: 'x' } }, 'TRESTA_ERR_API_UNKNOWN_KEY'],
    ['no keys', { endpoint: fcm.endpoint }, 'FST_ERR_VALIDATION'],
  ];
  for (const [what, payload, code] of refusals) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/notifications/push-subscriptions',
      headers: ada,
      payload: payload as object,
    });
    t.equal(response.statusCode, 400, what);
    t.equal(response.json().code, code, what);
  }
  t.equal((await rows()).length, 1, 'nothing refused was stored');
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/notifications/push-subscriptions', payload: fcm })).statusCode,
    401,
    'users only',
  );

  // The same browser signed in as someone else: the endpoint moves to them.
  const bob = await authFor('bob');
  t.equal(
    (await app.inject({ method: 'POST', url: '/api/notifications/push-subscriptions', headers: bob, payload: fcm })).statusCode,
    200,
  );
  t.match(await rows(), [{ user_id: 'bob', endpoint: fcm.endpoint }]);

  const removeAsAda = await app.inject({
    method: 'DELETE',
    url: '/api/notifications/push-subscriptions',
    headers: ada,
    payload: { endpoint: fcm.endpoint },
  });
  t.equal(removeAsAda.statusCode, 404, 'no longer Ada’s to remove');
  t.equal(removeAsAda.json().code, 'TRESTA_ERR_PUSH_SUBSCRIPTION_NOT_FOUND');
  const junk = await app.inject({
    method: 'DELETE',
    url: '/api/notifications/push-subscriptions',
    headers: bob,
    payload: { endpoint: fcm.endpoint, keys: {} },
  });
  t.equal(junk.json().code, 'TRESTA_ERR_API_UNKNOWN_KEY');
  const removed = await app.inject({
    method: 'DELETE',
    url: '/api/notifications/push-subscriptions',
    headers: bob,
    payload: { endpoint: fcm.endpoint },
  });
  t.equal(removed.statusCode, 204);
  t.same(await rows(), []);
});

t.test('a user keeps their newest ten browsers; without webPush the routes answer 404', async (t) => {
  const { app, authFor } = await buildTestApp(t, {
    webPush: { ...webPush, allowEndpoint: (url) => url.origin === pushService.origin },
  });
  const ada = await authFor('ada');
  const endpoints: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { json } = pushService.subscribe();
    endpoints.push(json.endpoint);
    const response = await app.inject({
      method: 'POST',
      url: '/api/notifications/push-subscriptions',
      headers: ada,
      payload: json,
    });
    t.equal(response.statusCode, 201);
  }
  const kept = await app.notifications.orm.em
    .getConnection()
    .execute<Array<{ endpoint: string }>>('select endpoint from tresta_push_subscriptions where user_id = ?', ['ada']);
  t.same(kept.map((row) => row.endpoint).sort(), endpoints.slice(2).sort(), 'the two oldest were replaced');

  const off = await buildTestApp(t);
  const response = await off.app.inject({
    method: 'POST',
    url: '/api/notifications/push-subscriptions',
    headers: await off.authFor('ada'),
    payload: pushService.subscribe().json,
  });
  t.equal(response.statusCode, 404);
  t.equal(response.json().code, 'TRESTA_ERR_PUSH_NOT_CONFIGURED');
  const realtime = await off.app.inject({ url: '/api/notifications/realtime', headers: await off.authFor('ada') });
  t.notOk('push' in realtime.json(), 'the widget is not offered push');
});

t.test('GET /realtime offers the VAPID key; push-sw.js is served publicly', async (t) => {
  const { app, authFor } = await buildTestApp(t, { webPush, prefix: '/v1' });
  const realtime = await app.inject({ url: '/v1/api/notifications/realtime', headers: await authFor('ada') });
  t.same(realtime.json().push, {
    vapidPublicKey: vapid.publicKey,
    serviceWorkerUrl: '/v1/api/notifications/push-sw.js',
    subscriptionsUrl: '/v1/api/notifications/push-subscriptions',
  });
  const worker = await app.inject({ url: '/v1/api/notifications/push-sw.js' });
  t.equal(worker.statusCode, 200);
  t.match(worker.headers['content-type'], /^text\/javascript/);
  t.match(worker.body, /addEventListener\('push'/);
  const cached = await app.inject({
    url: '/v1/api/notifications/push-sw.js',
    headers: { 'if-none-match': worker.headers.etag as string },
  });
  t.equal(cached.statusCode, 304);
});

t.test(
  'options: keys that are not a pair, a bad subject, and a half-set environment fail register, naming the option',
  async (t) => {
    const other = webpush.generateVAPIDKeys();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...webPush, vapidPrivateKey: other.privateKey }, /webPush\.vapidPrivateKey.*does not belong/],
      [{ ...webPush, vapidPublicKey: 'abc' }, /webPush\.vapidPublicKey/],
      [{ ...webPush, subject: 'ops@tresta.test' }, /webPush\.subject/],
      [{ ...webPush, allowEndpoint: 'fcm' }, /webPush\.allowEndpoint/],
      [{ vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey }, /webPush\.subject/],
    ];
    for (const [options, message] of cases) {
      await t.rejects(
        buildTestApp(t, { webPush: options as never }),
        { code: 'TRESTA_ERR_OPTIONS_INVALID', message },
        String(message),
      );
    }
    const { optionsFromEnv } = await import('../../plugin/startup/env.js');
    t.same(
      optionsFromEnv({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:a@b.test' })
        .webPush,
      { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:a@b.test' },
    );
    t.equal(optionsFromEnv({}).webPush, undefined, 'off when none is set');
    await t.rejects(buildTestApp(t, { webPush: optionsFromEnv({ VAPID_PUBLIC_KEY: vapid.publicKey }).webPush }), {
      message: /webPush\.vapidPrivateKey/,
    });
  },
);
