import t from 'tap';
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { signedResendWebhook } from '../fakes/resend-webhook.js';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN } from '../helpers/tokens.js';

const note = (userId: string) => ({ userId, type: 'NEW_TESTIMONIAL', title: 'Hello', message: 'm' });

t.test('state-changing routes read JSON only: a body a cross-site form can send is refused (415)', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const [first] = await app.notifications.notifyMany([note('ivy'), note('ivy')]);
  const headers = { ...(await authFor('ivy')), 'content-type': 'text/plain' };
  const unreadCount = async () =>
    (await app.inject({ url: '/api/notifications/unread-count', headers: await authFor('ivy') })).json().count;

  const markAll = await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers, payload: '{}' });
  t.equal(markAll.statusCode, 415, 'mark-all-read with text/plain');
  t.equal(markAll.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE');
  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/notifications/${first!.id}`,
    headers,
    payload: '{"isRead":true}',
  });
  t.equal(patch.statusCode, 415, 'PATCH with text/plain');
  const form = await app.inject({
    method: 'PUT',
    url: '/api/notifications/preferences',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'emailEnabled=false',
  });
  t.equal(form.statusCode, 415, 'PUT preferences as a urlencoded form');
  t.equal(await unreadCount(), 2, 'nothing was marked read');

  const json = await app.inject({
    method: 'POST',
    url: '/api/notifications/mark-all-read',
    headers: { ...(await authFor('ivy')), 'content-type': 'application/json' },
    payload: '{}',
  });
  t.equal(json.statusCode, 200, 'JSON still works');
  t.equal(await unreadCount(), 0);
});

t.test('a cookie-authenticated host: writes only from an allowed origin, reads from anywhere', async (t) => {
  const { app } = await buildTestApp(t, {
    auth: {
      authenticate: async (request: FastifyRequest) => {
        const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
        return session ? { userId: session, isAdmin: false } : null;
      },
    },
  });
  await app.notifications.notifyMany([note('jade'), note('jade')]);
  const cookie = { cookie: 'session=jade' };
  const unreadCount = async () => (await app.inject({ url: '/api/notifications/unread-count', headers: cookie })).json().count;

  const forged = await app.inject({
    method: 'POST',
    url: '/api/notifications/mark-all-read',
    headers: { ...cookie, origin: 'https://evil.example' },
  });
  t.equal(forged.statusCode, 403, 'a POST from another origin (no body at all) is refused');
  t.equal(forged.json().code, 'TRESTA_ERR_AUTH_CROSS_SITE');
  const noOrigin = await app.inject({
    method: 'POST',
    url: '/api/notifications/mark-all-read',
    headers: { ...cookie, 'sec-fetch-site': 'cross-site' },
  });
  t.equal(noOrigin.statusCode, 403, 'without Origin, Sec-Fetch-Site: cross-site is refused too');
  t.equal(await unreadCount(), 2, 'nothing was marked read');

  const read = await app.inject({
    url: '/api/notifications/unread-count',
    headers: { ...cookie, origin: 'https://evil.example' },
  });
  t.equal(read.statusCode, 200, 'a read is not refused (the browser keeps its answer from the other site)');

  const own = await app.inject({
    method: 'POST',
    url: '/api/notifications/mark-all-read',
    headers: { ...cookie, origin: APP_ORIGIN },
  });
  t.equal(own.statusCode, 200, 'the app’s own origin may');
  t.equal(await unreadCount(), 0);
});

t.test('the Resend webhook takes JSON only, and at most 256 KiB of it', async (t) => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const { app } = await buildTestApp(t, {
    email: { webhookSecret: secret, resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }) },
  });
  const event = (extra: object = {}) =>
    JSON.stringify({
      type: 'email.complained',
      created_at: new Date().toISOString(),
      data: { email_id: 'e-1', to: ['kim@example.test'], ...extra },
    });
  const suppressed = async () =>
    (await app.notifications.orm.em.getConnection().execute('select email from tresta_email_suppressions')).length;

  const asText = signedResendWebhook(secret, event());
  const text = await app.inject({ ...asText, headers: { ...asText.headers, 'content-type': 'text/plain' } });
  t.equal(text.statusCode, 415, 'a signed event sent as text/plain is refused');
  const big = signedResendWebhook(secret, event({ padding: 'x'.repeat(300 * 1024) }));
  t.equal((await app.inject({ ...big, headers: { ...big.headers, 'content-type': 'text/plain' } })).statusCode, 415);
  t.equal((await app.inject(big)).statusCode, 413, 'a JSON event over 256 KiB is refused');
  t.equal(await suppressed(), 0, 'none of them was applied');

  const genuine = await app.inject(signedResendWebhook(secret, event()));
  t.equal(genuine.statusCode, 200, genuine.body);
  t.equal(await suppressed(), 1, 'the JSON event is applied');
});
