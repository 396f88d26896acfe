// MagicBell's React build (provider, bell, floating inbox); React itself is the host's and not counted.
export { default, FloatingNotificationInbox } from '@magicbell/magicbell-react';
