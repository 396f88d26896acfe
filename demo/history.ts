import type { FastifyInstance } from 'fastify';

/** Old enough for "Run digest now": a digest lists notifications at least five minutes old. */
const HOURS_AGO = 2;
const EARLIER = [
  {
    type: 'NEW_TESTIMONIAL',
    title: 'New testimonial',
    message: 'Alan left 5 stars: “Set up in ten minutes.”',
    link: '/testimonials/40',
  },
  {
    type: 'TESTIMONIAL_APPROVED',
    title: 'Testimonial approved',
    message: 'Your testimonial is live on the wall.',
    link: '/testimonials/39',
  },
  {
    type: 'NEW_TESTIMONIAL',
    title: 'New testimonial',
    message: 'Grace left 4 stars: “Our team reads every one.”',
    link: '/testimonials/41',
  },
];

const ANY_NOTIFICATION = 'select exists (select 1 from tresta_notifications) as found';
const BACKDATE = `
  update tresta_notifications set created_at = created_at - make_interval(hours => ?)
  where id in (select jsonb_array_elements_text(?::jsonb)::uuid)`;

/**
 * A fresh demo starts with a past: Ada got three testimonial notifications (digest types) two
 * hours ago, so "Run digest now" in the operations panel sends her a digest at once instead of
 * nothing. Written through notify() like any other, then dated back; only when the demo's
 * database has no notification yet, so a restart adds nothing.
 */
export async function writeDemoHistory(app: FastifyInstance): Promise<void> {
  const connection = app.notifications.orm.em.getConnection();
  const [row] = await connection.execute<Array<{ found: boolean }>>(ANY_NOTIFICATION);
  if (row?.found) return;
  const written = await app.notifications.notifyMany(EARLIER.map((notification) => ({ userId: 'ada', ...notification })));
  await connection.execute(BACKDATE, [HOURS_AGO, JSON.stringify(written.map((notification) => notification.id))]);
}
