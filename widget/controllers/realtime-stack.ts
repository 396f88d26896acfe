// The real-time half of the element, a lazy chunk: the connection (Ably → WebSocket → polling) and
// the idle watcher that closes it, loaded once the host has given credentials.
export { RealtimeConnection } from '../client/realtime-connection.js';
export { IdleWatcher } from './idle-watcher.js';
