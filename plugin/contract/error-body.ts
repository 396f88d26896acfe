// What every error answer carries: Fastify's shape, with the code that names the error.

/**
 * The code of every error in the plugin's catalog (plugin/errors.ts, which creates each one).
 * `TRESTA_ERR_OPTIONS_INVALID` and `TRESTA_ERR_DB_MIGRATION_LOCK_TIMEOUT` are thrown at register,
 * never answered.
 */
export type TrestaErrorCode =
  | 'TRESTA_ERR_OPTIONS_INVALID'
  | 'TRESTA_ERR_AUTH_UNAUTHORIZED'
  | 'TRESTA_ERR_AUTH_FORBIDDEN'
  | 'TRESTA_ERR_AUTH_CROSS_SITE'
  | 'TRESTA_ERR_DLQ_NOT_FOUND'
  | 'TRESTA_ERR_NOTIFY_UNKNOWN_TYPE'
  | 'TRESTA_ERR_NOTIFY_INVALID_INPUT'
  | 'TRESTA_ERR_API_INVALID_CURSOR'
  | 'TRESTA_ERR_API_NOT_FOUND'
  | 'TRESTA_ERR_API_UNKNOWN_KEY'
  | 'TRESTA_ERR_PREFERENCES_INVALID'
  | 'TRESTA_ERR_PREFERENCES_REQUIRED'
  | 'TRESTA_ERR_DB_UNAVAILABLE'
  | 'TRESTA_ERR_DB_MIGRATION_LOCK_TIMEOUT'
  | 'TRESTA_ERR_NOT_READY'
  | 'TRESTA_ERR_ABLY_NOT_CONFIGURED'
  | 'TRESTA_ERR_ABLY_FORBIDDEN'
  | 'TRESTA_ERR_WS_ORIGIN'
  | 'TRESTA_ERR_RATE_LIMITED'
  | 'TRESTA_ERR_UNSUBSCRIBE_TOKEN'
  | 'TRESTA_ERR_UNSUBSCRIBE_EXPIRED'
  | 'TRESTA_ERR_UNSUBSCRIBE_BODY'
  | 'TRESTA_ERR_WEBHOOK_NOT_CONFIGURED'
  | 'TRESTA_ERR_WEBHOOK_SIGNATURE'
  | 'TRESTA_ERR_JOB_UNKNOWN'
  | 'TRESTA_ERR_JOB_BUSY'
  | 'TRESTA_ERR_JOB_NO_WORKER'
  | 'TRESTA_ERR_WIDGET_NOT_BUILT'
  | 'TRESTA_ERR_PUSH_NOT_CONFIGURED'
  | 'TRESTA_ERR_PUSH_INVALID_SUBSCRIPTION'
  | 'TRESTA_ERR_PUSH_ENDPOINT_REFUSED'
  | 'TRESTA_ERR_PUSH_SUBSCRIPTION_NOT_FOUND'
  | 'TRESTA_ERR_BAD_REQUEST'
  | 'TRESTA_ERR_INTERNAL';

/** What Fastify itself refuses before a route runs: a body that fails its schema or is not JSON, a body over the limit, and so on. */
export type FastifyErrorCode = `FST_${string}`;

export type ErrorCode = TrestaErrorCode | FastifyErrorCode;

/** The body of every error answer (`GET /health/ready` adds what is down beside these). */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  /** The status code's reason phrase ("Not Found"). */
  error: string;
  message: string;
}
