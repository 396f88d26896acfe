import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

t.test('smoke', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  const n = await app.notifications.notify({ userId: 'u1', type: 'NEW_TESTIMONIAL', title: 'Hi', message: 'there' });
  const res = await app.inject({ url: '/api/notifications', headers: await authFor('u1') });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().items[0].id, n.id);
});
