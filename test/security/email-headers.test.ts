import t from 'tap';
import { setupServer } from 'msw/node';
import { headerText, mailbox } from '../../plugin/email/headers.js';
import { addressesIn, createResendFake, RESEND_BASE_URL, RESEND_KEY } from '../fakes/resend.js';
import { buildTestApp } from '../helpers/app.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { digestDueAtAnyHour, seedNotifications } from '../jobs/scheduled/helpers.js';

const resend = createResendFake();
const server = setupServer(resend.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const HOSTILE_NAMES = [
  'Eve\r\nBcc: spy@evil.test',
  'Mallory, mallory@evil.test',
  'Trudy <trudy@evil.test>, "x" <y@evil.test>',
  '"Quoted" \\" , q@evil.test',
  'Zoë Ünïcode, with a very long name that needs more than one encoded word to carry it all',
];

t.test('a display name never adds an address, and a header never gets a second line', async (t) => {
  for (const name of HOSTILE_NAMES) {
    const to = mailbox({ email: 'ada@example.test', name });
    t.same(addressesIn(to).length, 1, `one recipient for ${JSON.stringify(name)}`);
    t.match(to, /<ada@example\.test>$/, 'the real address is the one addressed');
    t.notMatch(to, /[\r\n]/, 'no line break');
    t.ok(
      to.split(' ').every((word) => word.length <= 75 || word.startsWith('<')),
      'encoded words stay within 75 characters',
    );
  }
  t.equal(
    mailbox({ email: 'ada@example.test', name: 'Ada Lovelace' }),
    'Ada Lovelace <ada@example.test>',
    'a plain name stays readable',
  );
  t.equal(
    mailbox({ email: 'ada@example.test', name: ' \r\n ' }),
    'ada@example.test',
    'a name of nothing but control characters is left out',
  );
  t.equal(
    headerText('New sign-in\r\nBcc: spy@evil.test\u2028\u0007!'),
    'New sign-in Bcc: spy@evil.test !',
    'control runs become one space',
  );
});

await awayFromUtcMidnight();

t.test('emails sent through Resend: one recipient and a one-line subject, whatever the title and name', async (t) => {
  let nameIndex = 0;
  const names = new Map<string, string>();
  const { app, authFor } = await buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      resolveRecipient: async (userId) => {
        if (userId === 'bad-address') return { email: 'a@example.test, spy@evil.test' };
        const name = names.get(userId) ?? HOSTILE_NAMES[nameIndex++ % HOSTILE_NAMES.length]!;
        names.set(userId, name);
        return { email: `${userId}@example.test`, name };
      },
    },
  });

  const critical = await app.notifications.notify({
    userId: 'header-ada',
    type: 'SECURITY_ALERT',
    title: 'New sign-in\r\nBcc: spy@evil.test',
    message: 'From Firefox',
  });
  const email = await until(
    async () => resend.sent.find((sent) => sent.idempotencyKey === `notification-email/${critical.id}`),
    Boolean,
    'the critical email',
  );
  t.same(
    email!.recipients.map((r) => r.match(/<(.+)>$/)?.[1] ?? r),
    ['header-ada@example.test'],
    'exactly the one recipient',
  );
  t.equal(email!.body.subject, 'New sign-in Bcc: spy@evil.test', 'the subject is one line');

  const refused = await app.notifications.notify({ userId: 'bad-address', type: 'SECURITY_ALERT', title: 'Hi', message: 'm' });
  const delivery = await until(
    async () =>
      (
        await app.notifications.orm.em
          .getConnection()
          .execute('select status from tresta_email_deliveries where notification_id = ?', [refused.id])
      )[0] as { status: string } | undefined,
    (row) => row?.status === 'suppressed',
    'the delivery decision',
  );
  t.equal(delivery!.status, 'suppressed', 'an address list given as one address is not used');
  t.notOk(
    resend.sent.some((sent) => JSON.stringify(sent.body.to).includes('evil.test')),
    'nothing went to it',
  );

  await digestDueAtAnyHour(app, ['header-grace']);
  await seedNotifications(app, [
    { userId: 'header-grace', title: 'Testimonial\r\nBcc: spy@evil.test', createdAt: new Date(Date.now() - 3_600_000) },
  ]);
  const run = await app.inject({
    method: 'POST',
    url: '/admin/jobs/digest/run',
    headers: await authFor('admin', { role: 'admin' }),
  });
  t.equal(run.statusCode, 200, run.body);
  const digest = await until(
    async () => resend.sent.find((sent) => sent.idempotencyKey?.startsWith('digest/header-grace/')),
    Boolean,
    'the digest',
  );
  t.equal(digest!.recipients.length, 1, 'the digest has one recipient');
  t.match(digest!.recipients[0], /<header-grace@example\.test>$/);
  t.notMatch(digest!.body.subject, /[\r\n]/, 'a one-line digest subject');
});
