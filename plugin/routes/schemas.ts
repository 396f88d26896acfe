// The JSON schemas of what crosses the wire: requests are validated by them and responses serialized
// by them (so nothing outside the schema, like a user id, can leak into an answer). Body schemas
// say `additionalProperties: false` everywhere: the plugin's body validator refuses unknown keys.
// Each describes a type of the wire contract (plugin/contract), and test/contract checks that the
// two agree, field by field; so they are declared `as const`, which that check reads.

import { CATEGORY_PATTERN, SEVERITIES } from '../notification-types.js';

export const notificationSchema = {
  $id: 'TrestaNotification',
  type: 'object',
  required: [
    'id',
    'type',
    'title',
    'message',
    'link',
    'metadata',
    'isRead',
    'readAt',
    'isArchived',
    'archivedAt',
    'category',
    'severity',
    'required',
    'actions',
    'groupKey',
    'groupId',
    'groupCount',
    'groupUnreadCount',
    'createdAt',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    title: { type: 'string' },
    message: { type: 'string' },
    link: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: true },
    isRead: { type: 'boolean' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    isArchived: { type: 'boolean' },
    archivedAt: { type: ['string', 'null'], format: 'date-time' },
    category: { type: ['string', 'null'] },
    severity: { type: 'string', enum: SEVERITIES },
    required: { type: 'boolean', description: 'preferences cannot turn this type off' },
    actions: {
      type: 'array',
      maxItems: 2,
      items: {
        type: 'object',
        required: ['label', 'url'],
        properties: {
          label: { type: 'string' },
          url: { type: 'string' },
          style: { type: 'string', enum: ['primary', 'secondary'] },
        },
      },
    },
    groupKey: { type: ['string', 'null'] },
    groupId: { type: ['string', 'null'], format: 'uuid' },
    groupCount: { type: 'integer', description: 'in a list page, the notifications this row stands for; else 1' },
    groupUnreadCount: { type: 'integer', description: 'how many of those are unread' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const typePreference = {
  type: 'object',
  additionalProperties: false,
  properties: { inApp: { type: 'boolean' }, email: { type: 'boolean' }, push: { type: 'boolean' } },
} as const;

export const preferencesSchema = {
  $id: 'TrestaPreferences',
  type: 'object',
  required: ['emailEnabled', 'inAppEnabled', 'digest', 'timeZone', 'digestHour', 'types'],
  properties: {
    emailEnabled: { type: 'boolean' },
    inAppEnabled: { type: 'boolean' },
    digest: { type: 'string', enum: ['daily', 'weekly', 'off'] },
    timeZone: { type: 'string' },
    digestHour: { type: 'integer', minimum: 0, maximum: 23 },
    types: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['inApp', 'email', 'required', 'category'],
        properties: {
          inApp: { type: 'boolean' },
          email: { type: 'boolean' },
          push: { type: 'boolean', description: 'sent as web push; only for a type with push' },
          required: { type: 'boolean' },
          category: { type: ['string', 'null'], description: "the type's category, for grouping; read-only" },
        },
      },
    },
  },
} as const;

export const preferencesUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    emailEnabled: { type: 'boolean' },
    inAppEnabled: { type: 'boolean' },
    digest: { type: 'string', enum: ['daily', 'weekly', 'off'] },
    // An IANA name (checked against the time zone database by the service).
    timeZone: { type: 'string', minLength: 1, maxLength: 64 },
    digestHour: { type: 'integer', minimum: 0, maximum: 23 },
    types: { type: 'object', maxProperties: 100, additionalProperties: typePreference },
  },
} as const;

/** GET /api/notifications: one page of the list. */
export const notificationPageSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: { $ref: 'TrestaNotification#' } },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

/** The list's `status` query parameter. */
export const listStatusSchema = {
  type: 'string',
  enum: ['all', 'unread', 'read', 'archived'],
  description: '`all` (the default) is every notification not archived',
} as const;

export const unreadCountSchema = { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } as const;

/** PATCH /api/notifications/:id's body. */
export const notificationChangeSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { isRead: { type: 'boolean' }, isArchived: { type: 'boolean' } },
} as const;

/** What mark-all-read and archive-read answer. */
export const updatedCountSchema = {
  type: 'object',
  required: ['updated'],
  properties: { updated: { type: 'integer' } },
} as const;

export const realtimeOfferSchema = {
  type: 'object',
  required: ['transports', 'websocket', 'pollIntervalMs'],
  properties: {
    transports: { type: 'array', items: { type: 'string', enum: ['ably', 'websocket', 'polling'] } },
    websocket: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } },
    ably: {
      type: 'object',
      required: ['tokenUrl', 'channel'],
      properties: {
        tokenUrl: { type: 'string' },
        channel: { type: 'string' },
        clientOptions: {
          type: 'object',
          properties: {
            endpoint: { type: 'string' },
            environment: { type: 'string' },
            restHost: { type: 'string' },
            realtimeHost: { type: 'string' },
            port: { type: 'integer' },
            tlsPort: { type: 'integer' },
            tls: { type: 'boolean' },
          },
        },
      },
    },
    pollIntervalMs: { type: 'integer' },
    push: {
      type: 'object',
      description: 'present when the server sends web push',
      required: ['vapidPublicKey', 'serviceWorkerUrl', 'subscriptionsUrl'],
      properties: {
        vapidPublicKey: { type: 'string', description: 'the applicationServerKey for pushManager.subscribe (base64url)' },
        serviceWorkerUrl: { type: 'string' },
        subscriptionsUrl: { type: 'string' },
      },
    },
  },
} as const;

/** POST /api/notifications/push-subscriptions' body: a browser's `PushSubscription.toJSON()`. */
export const pushSubscriptionBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'keys'],
  properties: {
    endpoint: { type: 'string', minLength: 1, maxLength: 2048 },
    expirationTime: { type: ['number', 'null'] },
    keys: {
      type: 'object',
      additionalProperties: false,
      required: ['p256dh', 'auth'],
      properties: { p256dh: { type: 'string', maxLength: 128 }, auth: { type: 'string', maxLength: 64 } },
    },
  },
} as const;

/** DELETE /api/notifications/push-subscriptions' body. */
export const pushEndpointBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: { endpoint: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;

export const pushSubscriptionSavedSchema = {
  type: 'object',
  required: ['endpoint', 'createdAt'],
  properties: { endpoint: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
} as const;

export const errorSchema = {
  $id: 'TrestaError',
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The query parameters every cursor-paginated list takes. */
const pageQueryProperties = {
  limit: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    // Found by test/fuzz: Ajv coerces `limit=Infinity` or `limit=1e309` to ±Infinity and then skips
    // the bounds above, so the SQL got `limit Infinity` (a 500). The coerced value is checked again here.
    allOf: [{ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE }],
  },
  cursor: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

/** A cursor-paginated list's query string: the page parameters and the list's own filters, nothing else. */
export function pageQuerystring<Filters extends Record<string, object>>(filters: Filters) {
  return { type: 'object', additionalProperties: false, properties: { ...pageQueryProperties, ...filters } } as const;
}

/** A body that must be empty: no body at all, or `{}` (a key there is a mistake, never ignored). */
export const emptyBodySchema = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;

/** A category as the type registry allows it, as a query parameter. */
export const categoryQueryProperty = { type: 'string', pattern: CATEGORY_PATTERN.source, maxLength: 40 } as const;
