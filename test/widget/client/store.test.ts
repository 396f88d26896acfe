import t from 'tap';
import { NotificationStore } from '../../../widget/client/store.js';
import type { Notification } from '../../../widget/client/types.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();
const note = (id: string, minute: number, isRead = false): Notification => ({
  id,
  type: 'NEW_TESTIMONIAL',
  title: `Title ${id}`,
  message: 'm',
  link: null,
  metadata: {},
  isRead,
  readAt: null,
  isArchived: false,
  archivedAt: null,
  category: 'testimonials',
  severity: 'info',
  required: false,
  actions: [],
  groupKey: null,
  groupId: null,
  groupCount: 1,
  groupUnreadCount: isRead ? 0 : 1,
  createdAt: at(minute),
});
const ids = (store: NotificationStore) => store.items.map((item) => item.id);

t.test('a notification delivered twice is received once', async (t) => {
  const store = new NotificationStore();
  store.mergeLatest({ items: [note('a', 1)], nextCursor: null });
  store.setUnreadCount(1);
  t.ok(store.receive(note('b', 2)), 'new');
  t.notOk(store.receive(note('b', 2)), 'the same id again is a duplicate');
  t.same(ids(store), ['b', 'a'], 'newest first, once');
  t.equal(store.unreadCount, 2, 'counted once');
});

t.test('a refetch returns only what was never seen and keeps the order, newest first (ties by id)', async (t) => {
  const store = new NotificationStore();
  t.same(store.mergeLatest({ items: [note('b', 2), note('a', 1)], nextCursor: null }), [], 'the first load is history, not news');
  store.receive(note('c', 3));
  const fresh = store.mergeLatest({ items: [note('e', 3), note('d', 3), note('c', 3), note('b', 2, true)], nextCursor: 'x' });
  t.same(
    fresh.map((item) => item.id),
    ['e', 'd'],
    'only the unseen ones are fresh',
  );
  t.same(ids(store), ['e', 'd', 'c', 'b', 'a']);
  t.equal(store.items.find((item) => item.id === 'b')?.isRead, true, "the server's version wins");
});

t.test('a first page with nothing known starts the list over from its cursor (a gap)', async (t) => {
  const store = new NotificationStore();
  store.mergeLatest({ items: [note('a', 1)], nextCursor: null });
  store.mergeLatest({ items: [note('z', 30), note('y', 29)], nextCursor: 'cursor-y' });
  t.same(ids(store), ['z', 'y'], 'the stale tail is dropped rather than shown after a hole');
  t.equal(store.nextCursor, 'cursor-y');
  t.notOk(store.receive(note('a', 1)), 'a dropped notification is still known');
});

t.test('pages append without repeats; read changes follow the server', async (t) => {
  const store = new NotificationStore();
  store.mergeLatest({ items: [note('c', 3), note('b', 2)], nextCursor: 'b' });
  store.append({ items: [note('b', 2), note('a', 1)], nextCursor: null });
  t.same(ids(store), ['c', 'b', 'a']);
  t.equal(store.nextCursor, null);
  store.applyRead({ ids: ['c'], unreadCount: 2 });
  t.same(
    store.items.map((item) => item.isRead),
    [true, false, false],
  );
  store.applyRead({ all: true, unreadCount: 0 });
  t.ok(store.items.every((item) => item.isRead));
  t.equal(store.unreadCount, 0);
  store.setRead('a', false);
  t.equal(store.unreadCount, 1, 'marking unread counts it again');
  store.setRead('a', false);
  t.equal(store.unreadCount, 1, 'marking it unread twice changes nothing');
});
