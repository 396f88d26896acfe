/** What the demo's buttons send, one realistic notification per registered type. */
export const SAMPLES: Record<string, { title: string; message: string; link: string }> = {
  NEW_TESTIMONIAL: { title: 'New testimonial', message: 'Ada left 5 stars: “Exactly what we needed.”', link: '/testimonials/42' },
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
  SECURITY_ALERT: { title: 'New sign-in', message: 'Someone signed in from Firefox on Linux.', link: '/settings/security' },
};

/** The most a single "flood" may write. */
export const FLOOD_MAX = 100;
