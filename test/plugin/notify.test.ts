import t from 'tap';
import { MikroORM } from '@mikro-orm/postgresql';
import { buildTestApp } from '../helpers/app.js';
import { trestaEntities } from '../../plugin/index.js';

const valid = { userId: 'user_1', type: 'NEW_TESTIMONIAL', title: 'New testimonial', message: 'Ada left 5 stars' };

async function countRows(app: Awaited<ReturnType<typeof buildTestApp>>['app']) {
  const em = app.notifications.orm.em.fork();
  const [n] = await em.execute<Array<{ count: string }>>('select count(*) from tresta_notifications');
  const [o] = await em.execute<Array<{ count: string }>>('select count(*) from tresta_outbox');
  return { notifications: Number(n?.count), outbox: Number(o?.count) };
}

t.test('notify() writes the notification and its outbox row', async (t) => {
  const { app } = await buildTestApp(t);
  const n = await app.notifications.notify({ ...valid, link: '/testimonials/42', metadata: { testimonialId: 42 } });
  t.match(n, {
    type: 'NEW_TESTIMONIAL',
    title: 'New testimonial',
    link: '/testimonials/42',
    metadata: { testimonialId: 42 },
    isRead: false,
    readAt: null,
  });
  t.notHas(n, { userId: 'user_1' }, 'the public shape carries no user id');
  const [outbox] = await app.notifications.orm.em.fork().execute('select * from tresta_outbox');
  t.match(outbox, { notification_id: n.id, user_id: 'user_1', status: 'pending', published_at: null });
});

t.test('bad input is rejected with a typed error before anything is written', async (t) => {
  const { app } = await buildTestApp(t);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown type', { ...valid, type: 'NOPE' }, 'TRESTA_ERR_NOTIFY_UNKNOWN_TYPE'],
    [
      'a type that is not a string (not even printable)',
      { ...valid, type: { toString: null } },
      'TRESTA_ERR_NOTIFY_INVALID_INPUT',
    ],
    ['empty title', { ...valid, title: '   ' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['empty message', { ...valid, message: '' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['missing user', { ...valid, userId: undefined }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['title too long', { ...valid, title: 'x'.repeat(201) }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['javascript: link', { ...valid, link: 'javascript:alert(1)' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['data: link', { ...valid, link: 'data:text/html,<script>alert(1)</script>' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['protocol-relative link', { ...valid, link: '//evil.example/x' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['relative link without a slash', { ...valid, link: 'evil.example' }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['metadata an array', { ...valid, metadata: [1, 2] }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
    ['metadata oversized', { ...valid, metadata: { blob: 'x'.repeat(17 * 1024) } }, 'TRESTA_ERR_NOTIFY_INVALID_INPUT'],
  ];
  for (const [name, input, code] of cases) {
    await t.rejects(app.notifications.notify(input as never), { code, statusCode: 400 }, name);
  }
  await t.rejects(
    app.notifications.notifyMany([valid, { ...valid, type: 'NOPE' }]),
    { code: 'TRESTA_ERR_NOTIFY_UNKNOWN_TYPE' },
    'one bad input rejects the whole batch',
  );
  t.same(await countRows(app), { notifications: 0, outbox: 0 }, 'nothing was written');
  const ok = await app.notifications.notify({ ...valid, link: 'https://tresta.app/t/1' });
  t.equal(ok.link, 'https://tresta.app/t/1', 'an https link is kept');
});

t.test("notify() joins the caller's transaction", async (t) => {
  const { app, db } = await buildTestApp(t);
  // The host's own ORM, sharing the database, as a host with `database: { orm }` would have.
  const hostOrm = await MikroORM.init({ clientUrl: db.url, entities: trestaEntities, allowGlobalContext: false });
  t.teardown(() => hostOrm.close());

  await t.rejects(
    hostOrm.em.fork().transactional(async (em) => {
      await app.notifications.notify(valid, { em });
      throw new Error('the business change failed');
    }),
    /business change failed/,
  );
  t.same(await countRows(app), { notifications: 0, outbox: 0 }, 'a rolled-back caller leaves neither row');

  await hostOrm.em.fork().transactional(async (em) => {
    await app.notifications.notify(valid, { em });
    t.same(await countRows(app), { notifications: 0, outbox: 0 }, 'nothing is visible before the caller commits');
  });
  t.same(await countRows(app), { notifications: 1, outbox: 1 }, 'a committed caller keeps both rows');
});

t.test('notifyMany() writes a batch in a constant number of statements', async (t) => {
  const { app, db } = await buildTestApp(t);
  const statements: string[] = [];
  const countingOrm = await MikroORM.init({
    clientUrl: db.url,
    entities: trestaEntities,
    debug: ['query'],
    logger: (line) => statements.push(line),
  });
  t.teardown(() => countingOrm.close());

  const statementsFor = async (size: number) => {
    statements.length = 0;
    const batch = Array.from({ length: size }, (_, i) => ({ ...valid, userId: `user_${i % 7}` }));
    const written = await app.notifications.notifyMany(batch, { em: countingOrm.em.fork() });
    t.equal(written.length, size);
    return statements.length;
  };
  const one = await statementsFor(1);
  const many = await statementsFor(500);
  t.ok(one > 0, 'the statements were counted');
  t.equal(many, one, '500 notifications cost as many statements as one');
  t.same(await countRows(app), { notifications: 501, outbox: 501 });
});
