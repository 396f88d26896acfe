import t from 'tap';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import trestaNotifications from '../../plugin/index.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';

t.test('on the embedded database: search, filters, archive and grouping answer as on a server', async (t) => {
  const tokens = await createTokenKit();
  // A new embedded database runs initdb first: seconds, more on a busy machine.
  const app = Fastify({ pluginTimeout: 120_000 });
  t.teardown(() => app.close());
  await app.register(trestaNotifications, {
    database: { url: 'pglite://memory' },
    redis: { url: REDIS_URL, prefix: `tresta-pglite-inbox-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: APP_ORIGIN,
    workers: false,
  });
  await app.ready();
  const headers = { authorization: `Bearer ${await tokens.sign('pia', { expiresIn: '1h' })}` };
  const [invoice, , alert] = await app.notifications.notifyMany([
    { userId: 'pia', type: 'NEW_TESTIMONIAL', title: 'Invoice paid', message: 'Thank you', groupKey: 'g' },
    { userId: 'pia', type: 'NEW_TESTIMONIAL', title: 'Testimonial', message: 'Five stars from Zanzibar', groupKey: 'g' },
    { userId: 'pia', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'From Firefox' },
  ]);
  const titles = async (query: string) =>
    ((await app.inject({ url: `/api/notifications?${query}`, headers })).json().items as Array<{ title: string }>)
      .map((n) => n.title)
      .sort();

  t.same(await titles('q=zanzi'), ['Testimonial'], 'full-text search, by prefix');
  t.same(await titles('q=invoice%20paid'), ['Invoice paid']);
  t.same(await titles('category=security'), ['New sign-in']);
  const rows = (await app.inject({ url: '/api/notifications', headers })).json().items as Array<{ groupCount: number }>;
  t.same(rows.map((row) => row.groupCount).sort(), [1, 2], 'the group collapses into one row');
  await app.inject({ method: 'PATCH', url: `/api/notifications/${alert!.id}`, headers, payload: { isArchived: true } });
  t.same(await titles('status=archived'), ['New sign-in']);
  t.same(await titles(`group=${invoice!.groupId}`), ['Invoice paid', 'Testimonial']);
  t.same((await app.inject({ url: '/api/notifications/unread-count?category=testimonials', headers })).json(), { count: 2 });
});
