// Shared pieces of the fuzz tests: what "nothing changed" means, what a well-formed client error
// looks like, and arbitraries for hostile strings, query strings and bodies.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';

/** The tables a request could change, each as a row count and a hash of every row. */
const FINGERPRINTED_TABLES = [
  'tresta_notifications',
  'tresta_notification_preferences',
  'tresta_outbox',
  'tresta_dead_letters',
  'tresta_email_deliveries',
  'tresta_email_suppressions',
  'tresta_push_subscriptions',
] as const;

const FINGERPRINT_SQL = `select ${FINGERPRINTED_TABLES.map(
  (table) =>
    `(select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '-') from ${table} t) as "${table}"`,
).join(', ')}`;

export type Fingerprint = Record<(typeof FINGERPRINTED_TABLES)[number], string>;

/** A fingerprint of every row the plugin's routes and notify() can write. */
export async function fingerprint(app: FastifyInstance): Promise<Fingerprint> {
  const [row] = await app.notifications.orm.em.fork().execute<Fingerprint[]>(FINGERPRINT_SQL);
  return row as Fingerprint;
}

/** A short description of a request for failure messages (fast-check prints the counterexample too). */
export function describe(response: LightMyRequestResponse): string {
  return `${response.statusCode} ${response.body.slice(0, 300)}`;
}

/**
 * Throws unless the answer is not a 5xx and, when it is a 4xx, carries Fastify's error shape with a
 * code from the plugin's catalog (TRESTA_ERR_…) or from Fastify itself (FST_ERR_…).
 */
export function assertNoServerError(response: LightMyRequestResponse, what: string): void {
  if (response.statusCode >= 500) throw new Error(`${what} → ${describe(response)}`);
  if (response.statusCode < 400) return;
  let body: { statusCode?: unknown; code?: unknown; message?: unknown; error?: unknown };
  try {
    body = response.json();
  } catch {
    throw new Error(`${what} → ${response.statusCode} without a JSON error body: ${response.body.slice(0, 200)}`);
  }
  // A path that no longer names a plugin route (`..`, an encoded `/`) reaches the host's not-found
  // handler, which is Fastify's default here and has no code: the plugin does not own it.
  if (response.statusCode === 404 && isHostNotFound(body)) return;
  if (body.statusCode !== response.statusCode) throw new Error(`${what} → statusCode in body differs: ${describe(response)}`);
  if (typeof body.code !== 'string' || !/^(TRESTA_ERR|FST_ERR)_[A-Z0-9_]+$/.test(body.code)) {
    throw new Error(`${what} → a ${response.statusCode} without a code: ${describe(response)}`);
  }
}

function isHostNotFound(body: { code?: unknown; message?: unknown; error?: unknown }): boolean {
  return (
    body.code === undefined &&
    body.error === 'Not Found' &&
    typeof body.message === 'string' &&
    /^Route \S+ not found$/.test(body.message)
  );
}

export function assertSame(before: Fingerprint, after: Fingerprint, what: string): void {
  for (const table of FINGERPRINTED_TABLES) {
    if (before[table] !== after[table]) throw new Error(`${what} changed ${table}: ${before[table]} → ${after[table]}`);
  }
}

/** Object.prototype must come out of a run exactly as it went in. */
export function assertPrototypeClean(): void {
  const polluted = Object.getOwnPropertyNames(Object.prototype).filter((name) => !PRISTINE_PROTOTYPE.has(name));
  if (polluted.length > 0) throw new Error(`Object.prototype was polluted: ${polluted.join(', ')}`);
}
const PRISTINE_PROTOTYPE = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Percent-encodes any string, lone surrogates included (as UTF-8 of U+FFFD, as a browser would). */
export function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** Strings a parser or a database might choke on. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '99999999999999999999999999',
  '0x10',
  'true',
  'false',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "' or 1=1 --",
  '"; drop table tresta_notifications; --',
  '../../../etc/passwd',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e',
  '\ufeff',
  '🔔',
  'é',
  'e\u0301',
  '<script>alert(1)</script>',
  '${7*7}',
  '%00',
  'x'.repeat(129),
  'x'.repeat(5_000),
];

/** Any string: unicode (lone surrogates and NUL included), ASCII, numbers in every spelling, the list above. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
  { weight: 1, arbitrary: fc.uuid().map(String) },
);

/** Raw, possibly broken, URL fragments: invalid percent-encodings and invalid UTF-8 among them. */
export const rawFragment = fc.constantFrom(
  '%',
  '%zz',
  '%FF',
  '%C3%28',
  '%E2%82',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%00',
  '%2F',
  '%3F',
  '%23',
  '%26',
  '%3D',
  '+',
  '..',
  ';',
);

/** One query value or key, encoded, raw, or a mix of both. */
const queryPiece = fc.oneof(
  { weight: 4, arbitrary: anyString.map(encode) },
  { weight: 1, arbitrary: rawFragment },
  { weight: 1, arbitrary: fc.tuple(anyString, rawFragment).map(([s, raw]) => `${encode(s)}${raw}`) },
);

/**
 * A query string over a route's own keys (often repeated, so arrays where scalars are expected)
 * and hostile ones (prototype keys, junk).
 */
export function queryString(keys: readonly string[], values: fc.Arbitrary<string> = queryPiece): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...keys) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'constructor[prototype][x]', '__proto__[x]', 'a[]', 'a[b]'),
    },
    { weight: 1, arbitrary: queryPiece },
  );
  return fc
    .array(
      fc.oneof({ weight: 5, arbitrary: fc.tuple(key, values).map(([k, v]) => `${k}=${v}`) }, { weight: 1, arbitrary: key }),
      { maxLength: 5 },
    )
    .map((pairs) => (pairs.length > 0 ? `?${pairs.join('&')}` : ''));
}

/** JSON nested `depth` levels deep. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export interface FuzzBody {
  contentType: string | undefined;
  payload: string | Buffer | undefined;
}

/** JSON values near a schema: the right keys with any values, prototype keys, extra keys. */
export function nearObject(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.dictionary(
        fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', ...keys), anyString),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 2 },
      ),
      fc.boolean(),
    )
    .map(([known, extra, withExtra]) => (withExtra ? { ...extra, ...known } : known));
}

/** Any JSON value, or JSON of an object near the route's schema. */
export function jsonText(near: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: near.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"isRead":true,"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"isRead":true,"__proto__":{"x":1}}',
        '{"types":{"__proto__":{"email":false}}}',
        '{"types":{"constructor":{"email":false}}}',
        '{"isRead":true,"isRead":false}',
        '{"isRead":tru}',
        '{"isRead":',
        '',
        'null',
        '[]',
        '"isRead"',
        '1e999999',
        '\ufeff{"isRead":true}',
        '{"isRead":"\\ud800"}',
        '{"isRead":"\\u0000"}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('array' as const, 'object' as const))
        .map(([depth, kind]) => deeplyNested(depth, kind)),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/vnd.api+json',
  '',
  ';',
  'application/json;;;',
];

/** A body: JSON text (valid or not), raw bytes (invalid UTF-8 included), or nothing; under any content type. */
export function fuzzBody(near: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzBody> {
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }) },
  );
  const payload = fc.oneof(
    { weight: 6, arbitrary: jsonText(near) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from('{"isRead":"\xff"}', 'latin1')) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.record({ contentType, payload });
}

/** inject() headers for a body; no content-type header at all when undefined. */
export function bodyHeaders(body: FuzzBody, headers: Record<string, string>): Record<string, string> {
  return body.contentType === undefined ? headers : { ...headers, 'content-type': body.contentType };
}
