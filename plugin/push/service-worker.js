// Tresta Notifications' service worker for web push, served at /api/notifications/push-sw.js.
// Plain JavaScript, no imports: it runs as the browser loads it. The widget registers it with the
// scope of its own folder, so it never replaces a service worker the host app has at "/".

/**
 * The URL a notification's link may open, or null: only http(s) URLs and same-site paths, checked
 * like the widget checks them (never javascript:, data:, "//host", or anything a URL parser reads
 * differently from how it looks).
 */
function safeHref(link) {
  if (typeof link !== 'string' || link.length === 0 || link.length > 2048) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(link)) return null;
  const isPath = link.startsWith('/') && !link.startsWith('//');
  if (!isPath && !/^https?:\/\//i.test(link)) return null;
  try {
    const url = new URL(link, self.location.origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function readPayload(event) {
  try {
    const data = event.data ? event.data.json() : null;
    return data && typeof data.title === 'string' && typeof data.id === 'string' ? data : null;
  } catch {
    return null;
  }
}

async function showPush(data) {
  // A page of this site in front of the user shows the notification live (the widget's toast):
  // a lock-screen alert as well would say it twice. That page is told instead.
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const inFront = windows.filter((client) => client.visibilityState === 'visible' && client.focused);
  if (inFront.length > 0) {
    for (const client of inFront) client.postMessage({ type: 'tresta-push-shown-live', id: data.id });
    return;
  }
  const actions = (Array.isArray(data.actions) ? data.actions : [])
    .map((action) => ({ label: String(action.label), url: safeHref(action.url) }))
    .filter((action) => action.url !== null)
    .slice(0, 2);
  await self.registration.showNotification(data.title, {
    body: typeof data.message === 'string' ? data.message : '',
    icon: typeof data.icon === 'string' ? data.icon : undefined,
    // One notification per id: a push delivered twice replaces itself.
    tag: data.id,
    timestamp: Date.parse(data.createdAt) || Date.now(),
    requireInteraction: data.severity === 'critical',
    actions: actions.map((action, index) => ({ action: String(index), title: action.label })),
    data: { id: data.id, link: safeHref(data.link), actions: actions.map((action) => action.url) },
  });
}

async function openTarget(target) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = target ? windows.find((client) => client.url === target) : windows[0];
  if (open) return open.focus();
  return self.clients.openWindow(target ?? self.location.origin);
}

self.addEventListener('push', (event) => {
  const data = readPayload(event);
  if (data) event.waitUntil(showPush(data));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data ?? {};
  const target = event.action ? (data.actions?.[Number(event.action)] ?? null) : (data.link ?? null);
  event.waitUntil(openTarget(target));
});

// The push service replaced the subscription: subscribe again with the same key, and tell the open
// pages, whose widget sends the new one to the server (this worker holds no session to do it).
self.addEventListener('pushsubscriptionchange', (event) => {
  const options = event.oldSubscription?.options;
  event.waitUntil(
    (async () => {
      const subscription = event.newSubscription ?? (options ? await self.registration.pushManager.subscribe(options) : null);
      if (!subscription) return;
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const client of windows) client.postMessage({ type: 'tresta-push-subscription-change' });
    })(),
  );
});
