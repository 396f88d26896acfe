import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const note = (userId: string, i: number) => ({ userId, type: 'NEW_TESTIMONIAL', title: `#${i}`, message: `message ${i}` });

t.test('1,000 rows with many equal timestamps, walked page by page, each exactly once', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  // Four batches: every row of a batch shares one created_at, so order within it rests on the id.
  const expected = new Set<string>();
  for (let batch = 0; batch < 4; batch++) {
    const rows = await app.notifications.notifyMany(Array.from({ length: 250 }, (_, i) => note('walker', batch * 250 + i)));
    rows.forEach((row) => expected.add(row.id));
  }
  await app.notifications.notifyMany(Array.from({ length: 30 }, (_, i) => note('someone_else', i)));

  const headers = await authFor('walker');
  const seen: string[] = [];
  const createdAts: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/notifications?limit=37${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await app.inject({ url, headers });
    t.equal(res.statusCode, 200);
    const body = res.json() as { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
    seen.push(...body.items.map((item) => item.id));
    createdAts.push(...body.items.map((item) => item.createdAt));
    cursor = body.nextCursor;
    pages++;
  } while (cursor && pages < 100);

  t.equal(seen.length, 1000, 'every row came back');
  t.equal(new Set(seen).size, 1000, 'no row came back twice');
  t.same(new Set(seen), expected, "only the walker's rows");
  t.equal(pages, Math.ceil(1000 / 37), 'the last page says there is no next one');
  t.same(createdAts, [...createdAts].sort().reverse(), 'newest first');
});

t.test('unread=true and limit', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const rows = await app.notifications.notifyMany(Array.from({ length: 5 }, (_, i) => note('reader', i)));
  const headers = await authFor('reader');
  await app.inject({ method: 'PATCH', url: `/api/notifications/${rows[0]!.id}`, headers, payload: { isRead: true } });

  const unread = (await app.inject({ url: '/api/notifications?unread=true', headers })).json();
  t.equal(unread.items.length, 4);
  t.notOk(
    unread.items.some((item: { id: string }) => item.id === rows[0]!.id),
    'the read one is left out',
  );
  const all = (await app.inject({ url: '/api/notifications', headers })).json();
  t.equal(all.items.length, 5);
  const two = (await app.inject({ url: '/api/notifications?limit=2', headers })).json();
  t.equal(two.items.length, 2);
  t.type(two.nextCursor, 'string');
});

t.test('bad query parameters are 400, never 500', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const headers = await authFor('reader');
  const bad = [
    ['limit=0', 'FST_ERR_VALIDATION'],
    ['limit=101', 'FST_ERR_VALIDATION'],
    ['limit=abc', 'FST_ERR_VALIDATION'],
    ['cursor=%25%25%25', 'TRESTA_ERR_API_INVALID_CURSOR'],
    ['cursor=bm90LWEtY3Vyc29y', 'TRESTA_ERR_API_INVALID_CURSOR'],
    [`cursor=${Buffer.from('1700000000000.not-a-uuid').toString('base64url')}`, 'TRESTA_ERR_API_INVALID_CURSOR'],
    [
      `cursor=${Buffer.from('99999999999999999999.00000000-0000-4000-8000-000000000000').toString('base64url')}`,
      'TRESTA_ERR_API_INVALID_CURSOR',
    ],
    [`cursor=${'A'.repeat(200)}`, 'FST_ERR_VALIDATION'],
    ['unread=maybe', 'FST_ERR_VALIDATION'],
  ];
  for (const [query, code] of bad) {
    const res = await app.inject({ url: `/api/notifications?${query}`, headers });
    t.equal(res.statusCode, 400, String(query));
    t.match(res.json(), { statusCode: 400, code, error: 'Bad Request' }, `${query} → ${code}`);
  }
});
