/** What the demo's buttons send, one realistic notification per registered type. */
import type { NotificationAction } from '../widget/client/types.js';

export const SAMPLES: Record<string, { title: string; message: string; link: string; actions?: NotificationAction[] }> = {
  NEW_TESTIMONIAL: {
    title: 'New testimonial',
    message: 'Ada left 5 stars: “Exactly what we needed.”',
    link: '/testimonials/42',
    actions: [
      { label: 'Approve', url: '/testimonials/42/approve', style: 'primary' },
      { label: 'Reject', url: '/testimonials/42/reject' },
    ],
  },
  TESTIMONIAL_APPROVED: {
    title: 'Testimonial approved',
    message: 'Your testimonial is live on the wall.',
    link: '/testimonials/42',
  },
  TESTIMONIAL_REJECTED: { title: 'Testimonial rejected', message: 'It did not meet the guidelines.', link: '/testimonials/43' },
  TESTIMONIAL_FLAGGED: {
    title: 'Testimonial flagged',
    message: 'A visitor flagged a testimonial for review.',
    link: '/moderation',
  },
  SECURITY_ALERT: {
    title: 'New sign-in',
    message: 'Someone signed in from Firefox on Linux.',
    link: '/settings/security',
    actions: [{ label: 'Review sign-in', url: '/settings/security', style: 'primary' }],
  },
};

/** The most a single "flood" may write. */
export const FLOOD_MAX = 100;
