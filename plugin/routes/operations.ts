// What the OpenAPI document says of each operation beyond its schemas: a stable operationId for
// generated clients, a summary, a tag, who may call it, and the errors it answers with (each with
// the catalog's error shape). One table, so the document cannot leave a route undescribed: the
// document's test walks every route against it.

/** Who may call an operation, and how it proves it. */
export type Access = 'user' | 'admin' | 'public' | 'unsubscribe-token' | 'webhook-signature';

export interface Operation {
  operationId: string;
  summary: string;
  tag: 'Notifications' | 'Preferences' | 'Real time' | 'Push' | 'Email' | 'Administration' | 'Health';
  access: Access;
  /** Statuses answered with the error shape besides those every operation of its access shares. */
  errors: number[];
}

/** Keyed by `METHOD path` as the plugin registers it (without the `prefix` option). */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /api/notifications': {
    operationId: 'listNotifications',
    summary: 'A page of the caller’s notifications, newest first',
    tag: 'Notifications',
    access: 'user',
    errors: [400],
  },
  'GET /api/notifications/unread-count': {
    operationId: 'countUnreadNotifications',
    summary: 'How many of the caller’s notifications are unread',
    tag: 'Notifications',
    access: 'user',
    errors: [400],
  },
  'PATCH /api/notifications/{id}': {
    operationId: 'updateNotification',
    summary: 'Marks one notification read or unread, archived or not',
    tag: 'Notifications',
    access: 'user',
    errors: [400, 404, 415],
  },
  'POST /api/notifications/mark-all-read': {
    operationId: 'markAllNotificationsRead',
    summary: 'Marks every notification of the caller read',
    tag: 'Notifications',
    access: 'user',
    errors: [400, 415],
  },
  'POST /api/notifications/archive-read': {
    operationId: 'archiveReadNotifications',
    summary: 'Archives every read notification of the caller',
    tag: 'Notifications',
    access: 'user',
    errors: [400, 415],
  },
  'GET /api/notifications/preferences': {
    operationId: 'getPreferences',
    summary: 'The caller’s preferences, every registered type listed',
    tag: 'Preferences',
    access: 'user',
    errors: [],
  },
  'PUT /api/notifications/preferences': {
    operationId: 'updatePreferences',
    summary: 'Changes the caller’s preferences (fields left out keep their value)',
    tag: 'Preferences',
    access: 'user',
    errors: [400, 415],
  },
  'GET /api/notifications/realtime': {
    operationId: 'getRealtimeTransports',
    summary: 'Which real-time transports the server offers, best first',
    tag: 'Real time',
    access: 'user',
    errors: [],
  },
  'POST /api/notifications/push-subscriptions': {
    operationId: 'createPushSubscription',
    summary: 'Subscribes a browser of the caller to web push (its PushSubscription JSON)',
    tag: 'Push',
    access: 'user',
    errors: [400, 404, 413, 415],
  },
  'DELETE /api/notifications/push-subscriptions': {
    operationId: 'deletePushSubscription',
    summary: 'Unsubscribes one of the caller’s browsers from web push',
    tag: 'Push',
    access: 'user',
    errors: [400, 404, 413, 415],
  },
  'GET /api/ably/token': {
    operationId: 'createAblyTokenRequest',
    summary: 'An Ably TokenRequest: subscribe-only, on the caller’s own channel',
    tag: 'Real time',
    access: 'user',
    errors: [403, 404],
  },
  'GET /api/notifications/unsubscribe': {
    operationId: 'showUnsubscribePage',
    summary: 'The unsubscribe confirmation page (changes nothing)',
    tag: 'Email',
    access: 'unsubscribe-token',
    errors: [400],
  },
  'POST /api/notifications/unsubscribe': {
    operationId: 'unsubscribeOneClick',
    summary: 'One-click unsubscribe (RFC 8058)',
    tag: 'Email',
    access: 'unsubscribe-token',
    errors: [400, 413, 415],
  },
  'POST /api/notifications/webhooks/resend': {
    operationId: 'receiveResendWebhook',
    summary: 'Delivery events from Resend (signed with Svix / Standard Webhooks headers)',
    tag: 'Email',
    access: 'webhook-signature',
    errors: [401, 404, 413, 415],
  },
  'GET /admin/dlq': {
    operationId: 'listDeadLetters',
    summary: 'Jobs that failed for good, newest first',
    tag: 'Administration',
    access: 'admin',
    errors: [400],
  },
  'GET /admin/dlq/stats': {
    operationId: 'getDeadLetterStats',
    summary: 'Dead letters counted by queue and error type',
    tag: 'Administration',
    access: 'admin',
    errors: [],
  },
  'POST /admin/dlq/{id}/requeue': {
    operationId: 'requeueDeadLetter',
    summary: 'Sends a dead letter back to its queue',
    tag: 'Administration',
    access: 'admin',
    errors: [400, 404, 415],
  },
  'GET /admin/metrics': {
    operationId: 'getMetrics',
    summary: 'System metrics (JSON; Prometheus text with Accept: text/plain)',
    tag: 'Administration',
    access: 'admin',
    errors: [],
  },
  'POST /admin/jobs/{name}/run': {
    operationId: 'runScheduledJob',
    summary: 'Runs a scheduled job now, fenced like the scheduled run',
    tag: 'Administration',
    access: 'admin',
    errors: [400, 404, 409, 415],
  },
  'GET /health/live': {
    operationId: 'checkLiveness',
    summary: 'The process answers',
    tag: 'Health',
    access: 'public',
    errors: [],
  },
  'GET /health/ready': {
    operationId: 'checkReadiness',
    summary: 'Postgres and Redis answer (503 names the one that does not)',
    tag: 'Health',
    access: 'public',
    errors: [503],
  },
};

/** The errors every operation of an access kind may answer with. */
export const SHARED_ERRORS: Readonly<Record<Access, number[]>> = {
  // 503 when Postgres is away; 429 past the per-user limit.
  user: [401, 429, 503],
  admin: [401, 403, 429, 503],
  public: [],
  'unsubscribe-token': [503],
  'webhook-signature': [503],
};

export const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Bad input: the code names what (see the error codes)',
  401: 'Missing, malformed or expired credentials',
  403: 'Not allowed',
  404: 'Not found, or not the caller’s',
  409: 'In progress elsewhere',
  413: 'The body is over the route’s limit',
  415: 'A content type the route does not take',
  429: 'Over the rate limit (retry-after)',
  503: 'A dependency is unreachable (retry-after)',
};
