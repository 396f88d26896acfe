import type { FastifyInstance } from 'fastify';

/** Digest types only, so the history sends no immediate email and "Run digest now" lists it all. */
export const DEMO_HISTORY = [
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
  {
    type: 'TESTIMONIAL_REJECTED',
    title: 'Testimonial rejected',
    message: 'It linked to a competitor’s pricing page.',
    link: '/testimonials/38',
  },
  ...['Katherine', 'Margaret', 'Hedy', 'Radia', 'Barbara', 'Frances', 'Edsger', 'Donald', 'Barbara L.'].map((name, i) => ({
    type: 'NEW_TESTIMONIAL',
    title: 'New testimonial',
    message: `${name} left ${5 - (i % 2)} stars: “${['Support answered in minutes.', 'The wall converts.', 'Worth every cent.'][i % 3]}”`,
    link: `/testimonials/${30 - i}`,
  })),
];

const ANY_NOTIFICATION = 'select exists (select 1 from tresta_notifications) as found';
// Her digest hour is the first of her day, so "Run digest now" sends her digest whatever the hour.
const DIGEST_AT_MIDNIGHT = `
  insert into tresta_notification_preferences (user_id, digest_hour) values ('ada', 0) on conflict (user_id) do nothing`;

/**
/**
 * A fresh demo starts with a past: Ada has a screenful of testimonial notifications (digest types),
 * and her digest is due from the start of her day, so "Run digest now" in the operations panel sends
 * her a digest at once (with whatever was fired since). Written through notify() like any other;
 * only when the demo's database has no notification yet, so a restart adds nothing.
 */
export async function writeDemoHistory(app: FastifyInstance): Promise<void> {
  const connection = app.notifications.orm.em.getConnection();
  const [row] = await connection.execute<Array<{ found: boolean }>>(ANY_NOTIFICATION);
  if (row?.found) return;
  await connection.execute(DIGEST_AT_MIDNIGHT, [], 'run');
  await app.notifications.notifyMany(DEMO_HISTORY.map((notification) => ({ userId: 'ada', ...notification })));
}
