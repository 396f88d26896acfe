// The real-time half of the element, a lazy chunk: the connection (Ably → WebSocket → polling) and
// the idle watcher that closes it, loaded once the host has given credentials; and the upkeep of
// this browser's web push subscription.
import type { ApiClient } from '../client/api.js';

export { RealtimeConnection } from '../client/realtime-connection.js';
export { IdleWatcher } from './idle-watcher.js';

/**
 * A browser whose user has allowed notifications keeps its push subscription current from the
 * start (a subscription the push service replaced is sent again); others load nothing more.
 */
export function keepPushSubscription(api: ApiClient): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  void api
    .realtime()
    .then(async ({ push }) => {
      if (!push) return;
      const webPush = await import('../push/web-push.js');
      webPush.listenForChanges(api, push);
      await webPush.syncPush(api, push);
    })
    .catch(() => undefined);
}
