import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';

interface Item {
  id: string;
  type: string;
  title: string;
  category: string | null;
  severity: string;
  required: boolean;
  isRead: boolean;
  isArchived: boolean;
  createdAt: string;
}

/** Walks every page of a query, 37 at a time, and answers the ids in order. */
async function walk(app: FastifyInstance, headers: Record<string, string>, query: string): Promise<Item[]> {
  const seen: Item[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const url: string = `/api/notifications?limit=37&${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await app.inject({ url, headers });
    if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body}`);
    const body = res.json() as { items: Item[]; nextCursor: string | null };
    seen.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error(`${query}: more than 200 pages`);
}

t.test('every filter walks 1,000 equal-timestamp rows exactly: each matching row once, newest first', async (t) => {
  // Hundreds of pages in a minute, as one user.
  const { app, authFor } = await buildTestApp(t, { apiRateLimitPerMinute: 100_000 });
  // Four batches of 250: every row of a batch shares one created_at, so order within it rests on the id.
  const TYPES = ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'SECURITY_ALERT', 'TESTIMONIAL_FLAGGED'];
  const all = [];
  for (let batch = 0; batch < 4; batch++) {
    all.push(
      ...(await app.notifications.notifyMany(
        Array.from({ length: 250 }, (_, i) => {
          const n = batch * 250 + i;
          return {
            userId: 'walker',
            type: TYPES[n % 4]!,
            title: n % 5 === 0 ? `Invoice ${n} paid` : `Testimonial ${n}`,
            message: n % 7 === 0 ? 'a bright review from Zanzibar' : 'five stars',
          };
        }),
      )),
    );
  }
  await app.notifications.notifyMany(
    Array.from({ length: 20 }, (_, i) => ({
      userId: 'other',
      type: 'SECURITY_ALERT',
      title: `Invoice ${i}`,
      message: 'Zanzibar',
    })),
  );
  const em = app.notifications.orm.em.fork();
  // A third read, a tenth of those archived: every status has rows, set without changing timestamps.
  const readIds = all.filter((_, i) => i % 3 === 0).map((n) => n.id);
  const archivedIds = all.filter((_, i) => i % 30 === 0).map((n) => n.id);
  const ids = 'select value::uuid from jsonb_array_elements_text(?::jsonb)';
  await em.execute(`update tresta_notifications set is_read = true, read_at = now() where id in (${ids})`, [
    JSON.stringify(readIds),
  ]);
  await em.execute(`update tresta_notifications set is_archived = true, archived_at = now() where id in (${ids})`, [
    JSON.stringify(archivedIds),
  ]);
  const read = new Set(readIds);
  const archived = new Set(archivedIds);
  const expected = all.map((n) => ({ ...n, isRead: read.has(n.id), isArchived: archived.has(n.id) }));
  const headers = await authFor('walker');

  const cases: Array<[string, (n: (typeof expected)[number]) => boolean]> = [
    ['', (n) => !n.isArchived],
    ['status=all', (n) => !n.isArchived],
    ['status=unread', (n) => !n.isArchived && !n.isRead],
    ['unread=true', (n) => !n.isArchived && !n.isRead],
    ['status=read', (n) => !n.isArchived && n.isRead],
    ['status=archived', (n) => n.isArchived],
    ['category=security', (n) => !n.isArchived && n.type === 'SECURITY_ALERT'],
    ['category=testimonials&status=unread', (n) => !n.isArchived && !n.isRead && n.type !== 'SECURITY_ALERT'],
    ['type=TESTIMONIAL_FLAGGED', (n) => !n.isArchived && n.type === 'TESTIMONIAL_FLAGGED'],
    ['q=invoice', (n) => !n.isArchived && n.title.startsWith('Invoice')],
    ['q=INVOI', (n) => !n.isArchived && n.title.startsWith('Invoice')],
    ['q=zanzi', (n) => !n.isArchived && n.message.includes('Zanzibar')],
    ['q=invoice%20zanzibar', (n) => !n.isArchived && n.title.startsWith('Invoice') && n.message.includes('Zanzibar')],
    ['q=zanzibar&status=archived', (n) => n.isArchived && n.message.includes('Zanzibar')],
    ['q=nothing-like-this', () => false],
  ];
  for (const [query, matches] of cases) {
    const seen = await walk(app, headers, query);
    const want = expected.filter(matches);
    t.ok(want.length > 0 || query.startsWith('q=nothing'), `${query || '(no filter)'} has rows to find`);
    t.equal(seen.length, want.length, `${query || '(no filter)'}: ${want.length} rows`);
    t.same(
      new Set(seen.map((n) => n.id)),
      new Set(want.map((n) => n.id)),
      `${query || '(no filter)'}: exactly the matching rows`,
    );
    const createdAts = seen.map((n) => n.createdAt);
    t.same(createdAts, [...createdAts].sort().reverse(), `${query || '(no filter)'}: newest first`);
  }
});

t.test('type metadata on every view; unread count per category', async (t) => {
  const { app, authFor } = await buildTestApp(t, {
    types: { INVOICE_PAID: { email: 'none', category: 'billing', severity: 'success' } },
  });
  const sent = await app.notifications.notifyMany([
    { userId: 'meta', type: 'SECURITY_ALERT', title: 'New sign-in', message: 'm' },
    { userId: 'meta', type: 'INVOICE_PAID', title: 'Paid', message: 'm' },
    { userId: 'meta', type: 'INVOICE_PAID', title: 'Paid again', message: 'm' },
    { userId: 'meta', type: 'NEW_TESTIMONIAL', title: 'Stars', message: 'm' },
  ]);
  t.match(sent[0], { category: 'security', severity: 'critical', required: true }, 'notify() answers it');
  const headers = await authFor('meta');
  const items = (await app.inject({ url: '/api/notifications', headers })).json().items as Item[];
  const byTitle = Object.fromEntries(items.map((item) => [item.title, item]));
  t.match(byTitle['New sign-in'], { category: 'security', severity: 'critical', required: true });
  t.match(byTitle.Paid, { category: 'billing', severity: 'success', required: false });
  t.match(byTitle.Stars, { category: 'testimonials', severity: 'info', required: false });

  const count = async (query: string) => (await app.inject({ url: `/api/notifications/unread-count${query}`, headers })).json();
  t.same(await count(''), { count: 4 });
  t.same(await count('?category=billing'), { count: 2 });
  t.same(await count('?category=security'), { count: 1 });
  t.same(await count('?category=nothing'), { count: 0 });
  await app.inject({ method: 'PATCH', url: `/api/notifications/${sent[1]!.id}`, headers, payload: { isRead: true } });
  await app.inject({ method: 'PATCH', url: `/api/notifications/${sent[2]!.id}`, headers, payload: { isArchived: true } });
  t.same(await count('?category=billing'), { count: 0 }, 'read and archived ones leave the category count');
});

t.test('bad filter values are 400, never 500', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const headers = await authFor('reader');
  for (const query of [
    'status=deleted',
    'status=',
    'type=lower_case',
    `type=${'A'.repeat(80)}`,
    'category=%00',
    `category=${'x'.repeat(41)}`,
    `q=${'x'.repeat(201)}`,
    'group=not-a-uuid',
  ]) {
    const res = await app.inject({ url: `/api/notifications?${query}`, headers });
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().code, 'FST_ERR_VALIDATION', query);
  }
  for (const query of ['category=%00', 'category=']) {
    const res = await app.inject({ url: `/api/notifications/unread-count?${query}`, headers });
    t.equal(res.statusCode, 400, `unread-count?${query}`);
  }
  // Anything a search box can hold is a search, never a syntax error.
  for (const q of ["a'b", '!!!', '&|:*()', 'a & b | !c', '%00', '🔔 alert', "'; drop table x; --", '\\', 'x:*']) {
    const res = await app.inject({ url: `/api/notifications?q=${encodeURIComponent(q)}`, headers });
    t.equal(res.statusCode, 200, `q=${q}`);
  }
});
