import t from 'tap';
import { DEFAULT_BRAND } from '../../plugin/email/templates/brand.js';
import { DIGEST_LIST_LIMIT, renderDigestEmail, type DigestEmailInput } from '../../plugin/email/templates/digest-email.js';

const unsubscribeUrl = 'https://tresta.app/api/notifications/unsubscribe?token=eyJhbGciOiJIUzI1NiJ9.e30.sig';
const input: DigestEmailInput = {
  brand: DEFAULT_BRAND,
  appUrl: 'https://tresta.app',
  from: 'Tresta <notifications@tresta.app>',
  to: 'ada@example.test',
  digestRunId: '5f0c7a52-3d1e-4c4b-9a0e-7d2b1c9e8f61',
  period: 'daily',
  items: [
    {
      title: 'New testimonial from "Grace" <Hopper>',
      message: 'Five stars.\nWould buy again & again.',
      link: '/testimonials/42?x=<y>',
    },
    { title: 'Testimonial approved', message: 'It is live on your wall.', link: 'https://tresta.app/wall' },
    { title: 'Testimonial rejected', message: 'Spam.', link: null },
  ],
  total: 3,
  unsubscribe: {
    url: unsubscribeUrl,
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  },
};

t.test('the digest email: HTML and text, as a snapshot; subject, headers and tags', async (t) => {
  const email = renderDigestEmail(input);
  t.matchSnapshot(email.html, 'html');
  t.matchSnapshot(email.text, 'text');
  t.equal(email.subject, 'Your daily digest: 3 new notifications');
  t.same(email.headers, {
    'X-Entity-Ref-ID': input.digestRunId,
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  t.same(email.tags, [
    { name: 'category', value: 'digest' },
    { name: 'period', value: 'daily' },
  ]);
  t.equal(
    renderDigestEmail({ ...input, period: 'weekly', items: input.items.slice(0, 1), total: 1 }).subject,
    'Your weekly digest: 1 new notification',
  );
});

t.test('rendering is deterministic: the same input, the same bytes (the idempotency key depends on it)', async (t) => {
  t.equal(JSON.stringify(renderDigestEmail(input)), JSON.stringify(renderDigestEmail(structuredClone(input))));
});

t.test('user text is escaped, unsafe links dropped, the visible unsubscribe link present, the rest counted', async (t) => {
  const email = renderDigestEmail({
    ...input,
    brand: { name: 'Acme & Co', logoUrl: null, primaryColor: '#ff0066' },
    items: [{ title: '<img src=x onerror=alert(1)>', message: '<b>bold</b>', link: 'javascript:alert(1)' }],
    total: DIGEST_LIST_LIMIT + 5,
  });
  t.notMatch(email.html, /<img src=x/);
  t.match(email.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.match(email.html, /&lt;b&gt;bold&lt;\/b&gt;/);
  t.notMatch(email.html, /javascript:/i);
  t.notMatch(email.text, /javascript:/i);
  t.match(email.html, /Acme &amp; Co/);
  t.match(email.html, `href="${unsubscribeUrl}"`);
  t.match(email.text, `Unsubscribe: ${unsubscribeUrl}`);
  t.equal(email.subject, `Your daily digest: ${DIGEST_LIST_LIMIT + 5} new notifications`);
  t.match(email.text, `And ${DIGEST_LIST_LIMIT + 4} more in Acme & Co.`);
});
