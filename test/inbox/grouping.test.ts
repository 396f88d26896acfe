import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { GROUP_WINDOW_MINUTES } from '../../plugin/data/notifications.js';
import { DEFAULT_NOTIFICATION_TYPES } from '../../plugin/notification-types.js';
import { notify } from '../../plugin/services/notify.js';
import { UnreadCounts } from '../../plugin/services/unread-counts.js';
import type { NotifyInput } from '../../plugin/services/validate-notification.js';

interface Row {
  id: string;
  title: string;
  groupId: string | null;
  groupKey: string | null;
  groupCount: number;
  groupUnreadCount: number;
  isRead: boolean;
}

const testimonial = (userId: string, i: number, groupKey: string | null = 'testimonials:42') => ({
  userId,
  type: 'NEW_TESTIMONIAL',
  title: `Testimonial ${i}`,
  message: 'five stars',
  groupKey,
});

async function list(app: FastifyInstance, headers: Record<string, string>, query = ''): Promise<Row[]> {
  const res = await app.inject({ url: `/api/notifications?limit=100${query}`, headers });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().items;
}

/** notify() as of a moment: the group window is measured on created_at. */
function notifyAt({ app, redisPrefix }: TestApp, at: Date, input: NotifyInput) {
  const deps = {
    em: app.notifications.orm.em.fork(),
    callerTransaction: false,
    types: DEFAULT_NOTIFICATION_TYPES,
    // The app's cached counts, under its keys: the unread counts checked below stay exact.
    unreadCounts: new UnreadCounts({ redis: app.notifications.redis, prefix: redisPrefix, log: app.log }),
    now: () => at,
  };
  return notify(deps, input);
}

t.test('a burst of one type and group key is one row with a count; the unread count still counts each', async (t) => {
  const test = await buildTestApp(t);
  const { app, authFor } = test;
  const burst = await app.notifications.notifyMany(Array.from({ length: 5 }, (_, i) => testimonial('gina', i)));
  const later = [];
  // A second apart each, so "newest" is one of them, not a tie broken by id.
  for (let i = 5; i < 8; i++) later.push(await notifyAt(test, new Date(Date.now() + (i - 4) * 1000), testimonial('gina', i)));
  await app.notifications.notify(testimonial('gina', 99, null));
  await app.notifications.notify({ ...testimonial('gina', 98), groupKey: 'testimonials:7' });
  await app.notifications.notify({ ...testimonial('gina', 97), type: 'TESTIMONIAL_APPROVED' });
  await app.notifications.notifyMany(Array.from({ length: 3 }, (_, i) => testimonial('hal', i)));
  const headers = await authFor('gina');

  const groupId = burst[0]!.id;
  t.ok(
    [...burst, ...later].every((n) => n.groupId === groupId && n.groupKey === 'testimonials:42'),
    'the batch and the later ones share the first one’s group',
  );
  const rows = await list(app, headers);
  t.equal(rows.length, 4, 'eight in a group, one without a key, one of another key, one of another type');
  const group = rows.find((row) => row.groupId === groupId)!;
  t.match(
    group,
    { id: later.at(-1)!.id, title: 'Testimonial 7', groupCount: 8, groupUnreadCount: 8 },
    'the newest stands for all',
  );
  t.match(
    rows.find((row) => row.title === 'Testimonial 99'),
    { groupId: null, groupCount: 1, groupUnreadCount: 1 },
  );
  t.match(
    rows.find((row) => row.title === 'Testimonial 98'),
    { groupCount: 1 },
    'another key is another group',
  );
  t.match(
    rows.find((row) => row.title === 'Testimonial 97'),
    { groupCount: 1 },
    'another type is another group',
  );
  t.same(
    (await app.inject({ url: '/api/notifications/unread-count', headers })).json(),
    { count: 11 },
    'every notification counted',
  );

  // Expanded: the group's notifications one by one, newest first.
  const members = await list(app, headers, `&group=${groupId}`);
  t.same(new Set(members.map((row) => row.id)), new Set([...burst, ...later].map((n) => n.id)));
  t.same(
    members.slice(0, 3).map((row) => row.title),
    ['Testimonial 7', 'Testimonial 6', 'Testimonial 5'],
    'newest first',
  );
  t.ok(members.every((row) => row.groupCount === 1));
  t.same(await list(app, await authFor('hal'), `&group=${groupId}`), [], "another user cannot expand someone's group");

  // Read one, archive the newest: the row follows what is left under each filter.
  await app.inject({ method: 'PATCH', url: `/api/notifications/${burst[0]!.id}`, headers, payload: { isRead: true } });
  await app.inject({ method: 'PATCH', url: `/api/notifications/${later.at(-1)!.id}`, headers, payload: { isArchived: true } });
  const after = (await list(app, headers)).find((row) => row.groupId === groupId)!;
  t.match(after, { title: 'Testimonial 6', groupCount: 7, groupUnreadCount: 6 });
  t.match(
    (await list(app, headers, '&status=archived')).find((row) => row.groupId === groupId),
    { groupCount: 1 },
  );
  t.match(
    (await list(app, headers, '&status=read')).find((row) => row.groupId === groupId),
    {
      id: burst[0]!.id,
      groupCount: 1,
    },
  );
});

t.test(
  `the window: a notification more than ${GROUP_WINDOW_MINUTES} minutes after the group's first starts a new row`,
  async (t) => {
    const test = await buildTestApp(t);
    const { app, authFor } = test;
    const start = new Date(Date.now() - 3 * 60 * 60_000);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    const first = await notifyAt(test, at(0), testimonial('ivy', 0));
    const inside = await notifyAt(test, at(GROUP_WINDOW_MINUTES - 1), testimonial('ivy', 1));
    const outside = await notifyAt(test, at(GROUP_WINDOW_MINUTES + 1), testimonial('ivy', 2));
    const joinsSecond = await notifyAt(test, at(GROUP_WINDOW_MINUTES + 30), testimonial('ivy', 3));
    t.equal(inside.groupId, first.id);
    t.equal(outside.groupId, outside.id, 'past the window from the first: a group of its own');
    t.equal(joinsSecond.groupId, outside.id, 'and the next joins that one');
    const rows = await list(app, await authFor('ivy'));
    t.same(
      rows.map((row) => [row.title, row.groupCount]),
      [
        ['Testimonial 3', 2],
        ['Testimonial 1', 2],
      ],
    );
  },
);

t.test('the cursor walk is exact over collapsed groups: every group and single row once', async (t) => {
  const { app, authFor } = await buildTestApp(t, { apiRateLimitPerMinute: 100_000 });
  // 600 rows with one timestamp: 40 groups of 10 and 200 singles, interleaved in the batch.
  const inputs = Array.from({ length: 600 }, (_, i) => testimonial('jon', i, i % 3 === 0 ? null : `key-${i % 40}`));
  const rows = await app.notifications.notifyMany(inputs);
  const headers = await authFor('jon');
  const seen: Row[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/notifications?limit=13${cursor ? `&cursor=${cursor}` : ''}`;
    const body = (await app.inject({ url, headers })).json() as { items: Row[]; nextCursor: string | null };
    seen.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  const singles = rows.filter((n) => n.groupId === null).length;
  const groups = new Set(rows.flatMap((n) => (n.groupId ? [n.groupId] : []))).size;
  t.equal(groups, 40);
  t.equal(seen.length, singles + groups, 'one row per group and per single');
  t.equal(new Set(seen.map((row) => row.id)).size, seen.length, 'no row twice');
  t.equal(
    seen.reduce((sum, row) => sum + row.groupCount, 0),
    600,
    'the counts add up to every notification',
  );
});

t.test('groupKey is validated before anything is written', async (t) => {
  const { app } = await buildTestApp(t);
  for (const groupKey of ['', 'x'.repeat(201), 'a\u0000b', 42, {}]) {
    await t.rejects(
      app.notifications.notify({ ...testimonial('kim', 0), groupKey } as never),
      { code: 'TRESTA_ERR_NOTIFY_INVALID_INPUT', message: /groupKey/ },
      JSON.stringify(groupKey),
    );
  }
  const [row] = await app.notifications.orm.em.fork().execute('select count(*)::int as count from tresta_notifications');
  t.equal(row?.count, 0);
});
