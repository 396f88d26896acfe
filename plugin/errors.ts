import createFastifyError, { type FastifyErrorConstructor } from '@fastify/error';
import type { TrestaErrorCode } from './contract/index.js';

// The one catalog of the plugin's errors: every TRESTA_ERR_ code is created here, and nowhere else.
// Each code is listed in docs/routes-and-errors.md (test/docs checks it) and in the contract's
// TrestaErrorCode (test/contract checks they are the same codes); every error a route answers with
// has Fastify's shape { statusCode, code, error, message }.

/**
 * The constructor of one of the plugin's errors. Named here, so the declarations emitted for this
 * module read the same under every module resolution: the `createError.FastifyErrorConstructor`
 * spelling TypeScript would otherwise emit does not resolve under `bundler`.
 */
export interface TrestaErrorConstructor<Arg extends unknown[]> extends FastifyErrorConstructor<
  { code: TrestaErrorCode; statusCode: number },
  Arg
> {}

/** @fastify/error's own factory, typed with the named constructor above. */
function createError<Arg extends unknown[] = []>(
  code: TrestaErrorCode,
  message: string,
  statusCode: number,
): TrestaErrorConstructor<Arg> {
  return createFastifyError<Arg>(code, message, statusCode) as TrestaErrorConstructor<Arg>;
}

export const InvalidOptionError = createError<[string, string]>(
  'TRESTA_ERR_OPTIONS_INVALID',
  'tresta-notifications: invalid option "%s": %s',
  500,
);

export const UnauthorizedError = createError<[string]>('TRESTA_ERR_AUTH_UNAUTHORIZED', 'Unauthorized: %s', 401);

export const ForbiddenError = createError('TRESTA_ERR_AUTH_FORBIDDEN', 'This route is for administrators', 403);

export const CrossSiteRequestError = createError(
  'TRESTA_ERR_AUTH_CROSS_SITE',
  'A request that changes state must come from an allowed origin (realtime.allowedOrigins)',
  403,
);

export const DeadLetterNotFoundError = createError('TRESTA_ERR_DLQ_NOT_FOUND', 'Dead letter not found', 404);

export const UnknownTypeError = createError<[string]>('TRESTA_ERR_NOTIFY_UNKNOWN_TYPE', 'Unknown notification type "%s"', 400);

export const InvalidNotificationError = createError<[string, string]>(
  'TRESTA_ERR_NOTIFY_INVALID_INPUT',
  'Invalid notification: "%s" %s',
  400,
);

export const InvalidCursorError = createError('TRESTA_ERR_API_INVALID_CURSOR', 'The cursor is malformed', 400);

export const NotificationNotFoundError = createError('TRESTA_ERR_API_NOT_FOUND', 'Notification not found', 404);

export const InvalidPreferencesError = createError<[string]>('TRESTA_ERR_PREFERENCES_INVALID', 'Invalid preferences: %s', 400);

export const RequiredTypeError = createError<[string]>(
  'TRESTA_ERR_PREFERENCES_REQUIRED',
  'Notifications of type "%s" are required: their in-app, email and push delivery cannot be turned off',
  400,
);

export const UnknownBodyKeyError = createError<[string, string]>('TRESTA_ERR_API_UNKNOWN_KEY', 'Unknown key "%s" in %s', 400);

export const DatabaseUnavailableError = createError(
  'TRESTA_ERR_DB_UNAVAILABLE',
  'The notification store is unavailable; retry shortly',
  503,
);

export const MigrationLockTimeoutError = createError<[number]>(
  'TRESTA_ERR_DB_MIGRATION_LOCK_TIMEOUT',
  "Another instance held the plugin's migration lock for more than %d ms; start again once its migrations are done",
  500,
);

export const NotReadyError = createError<[string]>('TRESTA_ERR_NOT_READY', 'Not ready: %s unavailable', 503);

export const AblyNotConfiguredError = createError(
  'TRESTA_ERR_ABLY_NOT_CONFIGURED',
  'Ably is not configured on this server; use the built-in WebSocket',
  404,
);

export const ChannelForbiddenError = createError(
  'TRESTA_ERR_ABLY_FORBIDDEN',
  'This user id cannot have a real-time channel (it contains ":" or "*")',
  403,
);

export const WebSocketOriginError = createError('TRESTA_ERR_WS_ORIGIN', 'This origin may not connect', 403);

export const RateLimitedError = createError<[number]>('TRESTA_ERR_RATE_LIMITED', 'Too many requests; retry in %d seconds', 429);

export const InvalidUnsubscribeTokenError = createError(
  'TRESTA_ERR_UNSUBSCRIBE_TOKEN',
  'This unsubscribe link is not valid; use the link from the email, or change your settings in the app',
  400,
);

export const UnsubscribeLinkExpiredError = createError(
  'TRESTA_ERR_UNSUBSCRIBE_EXPIRED',
  'This unsubscribe link has expired; use the link in a newer email, or change your settings in the app',
  400,
);

export const UnsubscribeBodyError = createError(
  'TRESTA_ERR_UNSUBSCRIBE_BODY',
  'A one-click unsubscribe posts "List-Unsubscribe=One-Click" (RFC 8058)',
  400,
);

export const WebhookNotConfiguredError = createError(
  'TRESTA_ERR_WEBHOOK_NOT_CONFIGURED',
  'Resend webhooks are not configured on this server (email.webhookSecret)',
  404,
);

export const WebhookSignatureError = createError(
  'TRESTA_ERR_WEBHOOK_SIGNATURE',
  'The webhook signature is missing, invalid or too old',
  401,
);

export const UnknownJobError = createError<[string]>(
  'TRESTA_ERR_JOB_UNKNOWN',
  'No scheduled job "%s" (digest, reconciliation, redrive, retention)',
  404,
);

export const JobBusyError = createError<[string]>(
  'TRESTA_ERR_JOB_BUSY',
  'A run of "%s" is in progress; try again when it ends',
  409,
);

export const WidgetNotBuiltError = createError(
  'TRESTA_ERR_WIDGET_NOT_BUILT',
  'The widget bundle is not built; run "npm run build:widget"',
  404,
);

export const NoWorkerError = createError<[string]>(
  'TRESTA_ERR_JOB_NO_WORKER',
  'No worker process is running to take the %s job: start one (npm run start:workers) or register with workers: true',
  503,
);

export const PushNotConfiguredError = createError(
  'TRESTA_ERR_PUSH_NOT_CONFIGURED',
  'Web push is not configured on this server (webPush)',
  404,
);

export const InvalidPushSubscriptionError = createError<[string]>(
  'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION',
  'Invalid push subscription: %s',
  400,
);

export const PushEndpointRefusedError = createError(
  'TRESTA_ERR_PUSH_ENDPOINT_REFUSED',
  "This push endpoint is not accepted: only https endpoints of the browsers' push services are",
  400,
);

export const PushSubscriptionNotFoundError = createError(
  'TRESTA_ERR_PUSH_SUBSCRIPTION_NOT_FOUND',
  'No push subscription of yours has this endpoint',
  404,
);

export const InternalError = createError('TRESTA_ERR_INTERNAL', 'Something went wrong on our side', 500);

/**
 * The code answered for a client error raised without a code of its own (by a library, say). Its
 * status is that error's, so it is a code only, not an error of its own.
 */
export const BAD_REQUEST_CODE = 'TRESTA_ERR_BAD_REQUEST' satisfies TrestaErrorCode;
