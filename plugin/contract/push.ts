// Web push: how the server tells a browser to subscribe, and the subscription routes' bodies.

/** How a browser subscribes to the server's web push (in the realtime answer when the server sends push). */
export interface PushOffer {
  /** The applicationServerKey for pushManager.subscribe (base64url). */
  vapidPublicKey: string;
  serviceWorkerUrl: string;
  subscriptionsUrl: string;
}

/** POST /api/notifications/push-subscriptions: what `PushSubscription.toJSON()` gives in a browser. */
export interface PushSubscriptionBody {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/** DELETE /api/notifications/push-subscriptions: the browser's endpoint to forget. */
export interface PushEndpointBody {
  endpoint: string;
}

/** The subscription stored (201) or already stored (200), under the endpoint as the server spells it. */
export interface PushSubscriptionSaved {
  endpoint: string;
  createdAt: string;
}
