// JSON schemas shared by the routes: requests are validated by them and responses serialized
// by them (so nothing outside the schema, like a user id, can leak into an answer).

export const notificationSchema = {
  $id: 'TrestaNotification',
  type: 'object',
  required: ['id', 'type', 'title', 'message', 'link', 'metadata', 'isRead', 'readAt', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    title: { type: 'string' },
    message: { type: 'string' },
    link: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: true },
    isRead: { type: 'boolean' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const typePreference = {
  type: 'object',
  additionalProperties: false,
  properties: { inApp: { type: 'boolean' }, email: { type: 'boolean' } },
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
    types: { type: 'object', additionalProperties: { ...typePreference, required: ['inApp', 'email'] } },
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

export const errorSchema = {
  $id: 'TrestaError',
  type: 'object',
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
export const pageQueryProperties = {
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
