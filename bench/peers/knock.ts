// Knock's client (feed, counts, real-time): Knock ships no UI outside React, so this is the headless part.
export { default } from '@knocklabs/client';
