import t from 'tap';
import { DEFAULT_BRAND } from '../../plugin/email/templates/brand.js';
import { renderNotificationEmail } from '../../plugin/email/templates/notification-email.js';

const input = {
  brand: DEFAULT_BRAND,
  appUrl: 'https://tresta.app',
  from: 'Tresta <notifications@tresta.app>',
  to: 'Ada <ada@example.test>',
  notification: {
    id: '0b5c4c1e-8d3f-4e58-9a57-2f3f1d2e6a10',
    type: 'SECURITY_ALERT',
    title: 'New sign-in from "Firefox" <Linux>',
    message: 'If this was not you, reset your password.\nIP 203.0.113.7',
    link: '/settings/security?from=email&x=<y>',
  },
  unsubscribe: null,
};

const unsubscribe = {
  url: 'https://tresta.app/api/notifications/unsubscribe?token=abc.def.ghi',
  headers: {
    'List-Unsubscribe': '<https://tresta.app/api/notifications/unsubscribe?token=abc.def.ghi>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

t.test('the notification email: HTML and text, as a snapshot', async (t) => {
  const email = renderNotificationEmail(input);
  t.matchSnapshot(email.html, 'html');
  t.matchSnapshot(email.text, 'text');
  t.same(email.headers, { 'X-Entity-Ref-ID': input.notification.id });
  t.same(email.tags, [
    { name: 'category', value: 'notification' },
    { name: 'type', value: 'SECURITY_ALERT' },
  ]);
});

t.test('a non-critical email: RFC 8058 headers and a visible unsubscribe link, as a snapshot', async (t) => {
  const email = renderNotificationEmail({
    ...input,
    notification: { ...input.notification, type: 'NEW_TESTIMONIAL', title: 'Ada left 5 stars' },
    unsubscribe,
  });
  t.matchSnapshot(email.html, 'html');
  t.matchSnapshot(email.text, 'text');
  t.same(email.headers, { 'X-Entity-Ref-ID': input.notification.id, ...unsubscribe.headers });
  t.match(email.html, /<a href="https:\/\/tresta\.app\/api\/notifications\/unsubscribe\?token=abc\.def\.ghi"[^>]*>Unsubscribe/);
  t.match(email.text, /Unsubscribe: https:\/\/tresta\.app\/api\/notifications\/unsubscribe\?token=abc\.def\.ghi/);
  t.notMatch(renderNotificationEmail(input).html, /Unsubscribe/, 'a critical email has no unsubscribe link');
});

t.test('rendering is deterministic: the same input, the same bytes (the idempotency key depends on it)', async (t) => {
  t.equal(JSON.stringify(renderNotificationEmail(input)), JSON.stringify(renderNotificationEmail(structuredClone(input))));
});

t.test('user text is escaped; unsafe links are dropped; branding applies', async (t) => {
  const email = renderNotificationEmail({
    ...input,
    brand: { name: 'Acme & Co', logoUrl: 'https://acme.test/logo.png', primaryColor: '#ff0066' },
    notification: { ...input.notification, title: '<img src=x onerror=alert(1)>', link: 'javascript:alert(1)' },
  });
  t.notMatch(email.html, /<img src=x/);
  t.match(email.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.notMatch(email.html, /javascript:/i, 'no javascript: link');
  t.notMatch(email.text, /View in/, 'no link at all');
  t.match(email.html, /Acme &amp; Co/);
  t.match(email.html, /src="https:\/\/acme\.test\/logo\.png"/);
  t.match(email.html, /#ff0066/);
});
