// The element's model, a lazy chunk loaded once the host has given credentials: the DOM-free client
// (API, store) and the channel to the browser's other tabs.
export { NotificationsClient } from '../client/notifications-client.js';
export { TabSync } from '../client/tab-sync.js';
