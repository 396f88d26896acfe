// Web push for this browser, a lazy chunk: loaded when the preferences view opens on a server that
// offers push, or at start-up for a browser whose user already allowed notifications. Nothing here
// asks for permission except enablePush, which runs on the user's click.
import type { ApiClient } from '../client/api.js';
import type { PushOffer } from '../client/types.js';

/** What the "Enable push" control shows. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

/**
 * One change at a time: a sync still sending the subscription when the user turns push off would
 * otherwise store it again after its removal.
 */
let pending: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(change: () => Promise<T>): Promise<T> {
  const run = pending.then(change, change);
  pending = run.catch(() => undefined);
  return run;
}

/** The endpoint this browser last gave the server: a different one is sent again. */
const storedKey = (offer: PushOffer) => `tresta-push:${offer.subscriptionsUrl}`;

function supported(api: ApiClient, offer: PushOffer): boolean {
  // A service worker must come from the page's own origin: an api-base elsewhere cannot serve it.
  return (
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window &&
    api.resolve(offer.serviceWorkerUrl).origin === location.origin
  );
}

function applicationServerKey(offer: PushOffer): Uint8Array<ArrayBuffer> {
  const base64 = offer.vapidPublicKey.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/**
 * The plugin's service worker, registered with the scope of its own folder (the default), so it
 * never replaces a service worker the host app runs at "/".
 */
function registration(api: ApiClient, offer: PushOffer): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.register(api.resolve(offer.serviceWorkerUrl).href);
}

function sameKey(subscription: PushSubscription, offer: PushOffer): boolean {
  const key = subscription.options.applicationServerKey;
  if (!key) return false;
  const expected = applicationServerKey(offer);
  const actual = new Uint8Array(key);
  return actual.length === expected.length && actual.every((byte, i) => byte === expected[i]);
}

async function send(api: ApiClient, offer: PushOffer, subscription: PushSubscription): Promise<void> {
  await api.savePushSubscription(offer.subscriptionsUrl, subscription.toJSON());
  localStorage.setItem(storedKey(offer), subscription.endpoint);
}

async function subscribe(api: ApiClient, offer: PushOffer, reg: ServiceWorkerRegistration): Promise<void> {
  const subscription = await reg.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: applicationServerKey(offer),
  });
  await send(api, offer, subscription);
}

export async function pushState(api: ApiClient, offer: PushOffer): Promise<PushState> {
  if (!supported(api, offer)) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission !== 'granted') return 'off';
  const reg = await navigator.serviceWorker.getRegistration(api.resolve(offer.serviceWorkerUrl).href);
  const subscription = await reg?.pushManager.getSubscription();
  return subscription && localStorage.getItem(storedKey(offer)) === subscription.endpoint ? 'on' : 'off';
}

/** On the user's click: asks for permission, subscribes, and tells the server. */
export async function enablePush(api: ApiClient, offer: PushOffer): Promise<PushState> {
  if (!supported(api, offer)) return 'unsupported';
  // Asked before anything else is awaited: the click's user activation is still fresh.
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  return oneAtATime(async () => {
    await subscribe(api, offer, await registration(api, offer));
    return 'on' as const;
  });
}

export function disablePush(api: ApiClient, offer: PushOffer): Promise<PushState> {
  return oneAtATime(() => unsubscribeHere(api, offer));
}

async function unsubscribeHere(api: ApiClient, offer: PushOffer): Promise<PushState> {
  const reg = await navigator.serviceWorker.getRegistration(api.resolve(offer.serviceWorkerUrl).href);
  const subscription = await reg?.pushManager.getSubscription();
  if (subscription) {
    await api.removePushSubscription(offer.subscriptionsUrl, subscription.endpoint).catch(() => undefined);
    await subscription.unsubscribe();
  }
  localStorage.removeItem(storedKey(offer));
  return 'off' as const;
}

/**
 * Keeps the server's copy current once the user has allowed push: a subscription the push service
 * replaced (the service worker re-subscribed on `pushsubscriptionchange`), one made with an older
 * VAPID key, or one the server never received is sent again. Never asks for permission.
 */
export function syncPush(api: ApiClient, offer: PushOffer): Promise<void> {
  return oneAtATime(() => resubscribeIfChanged(api, offer));
}

async function resubscribeIfChanged(api: ApiClient, offer: PushOffer): Promise<void> {
  if (!supported(api, offer) || Notification.permission !== 'granted') return;
  const reg = await navigator.serviceWorker.getRegistration(api.resolve(offer.serviceWorkerUrl).href);
  // Never enabled in this browser (or disabled): nothing to keep.
  if (!reg || localStorage.getItem(storedKey(offer)) === null) return;
  const subscription = await reg.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, offer)) await subscription.unsubscribe();
  if (!subscription || !sameKey(subscription, offer)) return subscribe(api, offer, reg);
  if (localStorage.getItem(storedKey(offer)) !== subscription.endpoint) await send(api, offer, subscription);
}

let listening = false;

/** The service worker says the push service replaced the subscription: sync again. */
export function listenForChanges(api: ApiClient, offer: PushOffer): void {
  if (listening || !supported(api, offer)) return;
  listening = true;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    if ((event.data as { type?: string } | null)?.type === 'tresta-push-subscription-change')
      void syncPush(api, offer).catch(() => undefined);
  });
}
