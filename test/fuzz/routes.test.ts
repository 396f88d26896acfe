// Issue #9, part 2: every route's params, query and body fuzzed with fast-check against one real app.
// Whatever arrives: no 5xx, every 4xx in Fastify's shape with a code, and a rejected request changes
// no row (a fingerprint of the tables before and after). Oversized bodies are 413; malformed
// cursors and ids are 400.
import t from 'tap';
import { createECDH, randomBytes } from 'node:crypto';
import webpush from 'web-push';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signedResendWebhook } from '../fakes/resend-webhook.js';
import { buildTestApp } from '../helpers/app.js';
import {
  anyString,
  assertNoServerError,
  assertPrototypeClean,
  assertSame,
  bodyHeaders,
  encode,
  fingerprint,
  fuzzBody,
  nearObject,
  queryString,
  rawFragment,
  type FuzzBody,
} from './lib/fuzz.js';

const USER = 'fuzz-user';
const OTHER = 'someone-else';
const UNSUBSCRIBE_SECRET = randomBytes(32).toString('hex');
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const TYPES = ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_REJECTED', 'TESTIMONIAL_FLAGGED', 'SECURITY_ALERT'];
const JOB_NAMES = new Set(['digest', 'reconciliation', 'redrive', 'retention']);

const { app, authFor } = await buildTestApp(t, {
  // The fuzz sends thousands of requests as one user within a minute.
  apiRateLimitPerMinute: 1_000_000,
  email: { unsubscribeSecret: UNSUBSCRIBE_SECRET, webhookSecret: WEBHOOK_SECRET },
  // A key makes /api/ably/token sign (locally); publishing stays off, so nothing leaves the machine.
  realtime: { ablyApiKey: 'fuzzapp.fuzzkey:fuzzsecretfuzzsecret', enabled: false },
  // The default endpoint rule: only the browsers' push services (nothing is ever sent: no push type).
  webPush: (({ publicKey, privateKey }) => ({
    vapidPublicKey: publicKey,
    vapidPrivateKey: privateKey,
    subject: 'mailto:fuzz@tresta.test',
  }))(webpush.generateVAPIDKeys()),
});
const user = await authFor(USER);
const admin = await authFor('fuzz-admin', { role: 'admin' });

const mine = await app.notifications.notifyMany(
  Array.from({ length: 30 }, (_, i) => ({
    userId: USER,
    type: TYPES[i % TYPES.length]!,
    title: `mine ${i}`,
    message: 'm',
    // Every fifth of one type in a group, so lists collapse and `group=` expands.
    groupKey: i % 5 === 0 ? 'fuzz-group' : null,
  })),
);
const groupIds = [...new Set(mine.flatMap((n) => (n.groupId ? [n.groupId] : [])))];
const theirs = await app.notifications.notifyMany(
  Array.from({ length: 5 }, (_, i) => ({ userId: OTHER, type: 'NEW_TESTIMONIAL', title: `theirs ${i}`, message: 'm' })),
);
const mineIds = new Set(mine.map((n) => n.id));
const em = app.notifications.orm.em.fork();
const [deadLetter] = await em.execute<Array<{ id: string }>>(
  `insert into tresta_dead_letters (id, queue, job_id, job_name, payload, error_type, error_message, attempts)
   values (gen_random_uuid(), 'notifications', 'fuzz-job', 'deliver-notification', '{}'::jsonb, 'permanent', 'failed', 1)
   returning id`,
);

const unsubscribeToken = (sub: string, claims: Record<string, unknown> = {}, secret = UNSUBSCRIBE_SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience('tresta-unsubscribe')
    .sign(new TextEncoder().encode(secret));
const genuineToken = await unsubscribeToken(USER, { type: 'NEW_TESTIMONIAL' });

/** An id segment: the caller's ids, someone else's, random uuids, and any string at all. */
const idSegment = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...mine.map((n) => n.id)) },
  { weight: 1, arbitrary: fc.constantFrom(...theirs.map((n) => n.id)) },
  { weight: 1, arbitrary: fc.uuid().map(String) },
  { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase()) },
  { weight: 3, arbitrary: anyString.map(encode) },
  { weight: 1, arbitrary: fc.tuple(anyString, rawFragment).map(([s, raw]) => `${encode(s)}${raw}`) },
);

/** Runs a property on one app; the counterexample and its seed are in fast-check's report. */
async function check<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
  await fc.assert(property, { numRuns });
}

let cases = 0;
t.teardown(() => {
  t.comment(`${cases} fuzz cases run against the routes`);
});

/** Query values: hostile strings, and the values the inbox filters take (so filters combine and match). */
const filterValue = fc.oneof(
  { weight: 3, arbitrary: anyString.map(encode) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'all',
      'unread',
      'read',
      'archived',
      'true',
      'security',
      'testimonials',
      ...TYPES,
      'mine',
      'mine%201',
      'min',
      '%21%26%7C',
      ...groupIds,
      '00000000-0000-4000-8000-000000000000',
    ),
  },
);
const LIST_KEYS = ['limit', 'cursor', 'unread', 'status', 'category', 'type', 'q', 'group'];

t.test('GET /api/notifications: any query → 200 with only the caller’s rows, or 400; nothing written', async (t) => {
  const before = await fingerprint(app);
  await check(
    fc.asyncProperty(queryString(LIST_KEYS, filterValue), async (query) => {
      cases++;
      const response = await app.inject({ url: `/api/notifications${query}`, headers: user });
      assertNoServerError(response, `GET /api/notifications${query}`);
      if (response.statusCode === 200) {
        const { items, nextCursor } = response.json<{ items: Array<{ id: string }>; nextCursor: string | null }>();
        if (items.length > 100) throw new Error(`${items.length} items, above the limit`);
        if (!items.every((item) => mineIds.has(item.id))) throw new Error(`another user's row in ${query}`);
        if (nextCursor !== null && typeof nextCursor !== 'string') throw new Error('nextCursor');
      } else if (response.statusCode !== 400) throw new Error(`GET ${query} → ${response.statusCode}`);
    }),
    600,
  );
  assertSame(before, await fingerprint(app), 'listing');
  t.pass('600 queries: no 5xx, no foreign row, nothing written');
});

t.test('GET /api/notifications/unread-count: any category → 200 with a count, or 400; nothing written', async (t) => {
  const before = await fingerprint(app);
  await check(
    fc.asyncProperty(queryString(['category'], filterValue), async (query) => {
      cases++;
      const response = await app.inject({ url: `/api/notifications/unread-count${query}`, headers: user });
      assertNoServerError(response, `GET /api/notifications/unread-count${query}`);
      if (response.statusCode === 200 && !Number.isInteger(response.json().count)) throw new Error(`count for ${query}`);
      if (response.statusCode !== 200 && response.statusCode !== 400) throw new Error(`${query} → ${response.statusCode}`);
    }),
    200,
  );
  assertSame(before, await fingerprint(app), 'counting');
  t.pass('200 queries');
});

t.test('cursors: anything but a cursor the API produced is 400, never 5xx', async (t) => {
  const digits = fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    fc.constantFrom('0', '8640000000000000', '8640000000000001', '999999999999999', '253402300799999', '253402300800000'),
    fc.integer().map(String),
    fc.stringMatching(/^\d{0,16}$/),
  );
  const uuid = fc.oneof(fc.uuid().map(String), anyString);
  const crafted = fc
    .tuple(digits, fc.constantFrom('.', '..', ':', ''), uuid, fc.constantFrom('', '.x', '.'))
    .map(([ms, sep, id, tail]) => Buffer.from(`${ms}${sep}${id}${tail}`).toString('base64url'));
  const cursor = fc.oneof(crafted, anyString.map(encode), fc.string({ unit: 'grapheme-ascii', maxLength: 140 }).map(encode));
  const before = await fingerprint(app);
  for (const [url, headers] of [
    ['/api/notifications', user],
    ['/admin/dlq', admin],
  ] as const) {
    await check(
      fc.asyncProperty(cursor, async (value) => {
        cases++;
        const response = await app.inject({ url: `${url}?cursor=${value}`, headers });
        assertNoServerError(response, `GET ${url}?cursor=${value}`);
        if (response.statusCode !== 200 && response.statusCode !== 400) throw new Error(`${value} → ${response.statusCode}`);
        if (
          response.statusCode === 400 &&
          !['TRESTA_ERR_API_INVALID_CURSOR', 'FST_ERR_VALIDATION'].includes(response.json().code)
        ) {
          throw new Error(`${value} → ${response.body}`);
        }
      }),
      225,
    );
  }
  assertSame(before, await fingerprint(app), 'cursors');

  // The cursors the API hands out still work, and a 400 names the cursor.
  const page = (await app.inject({ url: '/api/notifications?limit=2', headers: user })).json();
  const next = await app.inject({ url: `/api/notifications?limit=2&cursor=${page.nextCursor}`, headers: user });
  t.equal(next.statusCode, 200, 'a genuine cursor pages on');
  const bad = await app.inject({ url: '/api/notifications?cursor=bm90LWEtY3Vyc29y', headers: user });
  t.match(bad.json(), { statusCode: 400, code: 'TRESTA_ERR_API_INVALID_CURSOR' });
});

t.test('GET routes without parameters: any query, any Accept → 200, nothing written', async (t) => {
  const routes = [
    ['/api/notifications/unread-count', user],
    ['/api/notifications/preferences', user],
    ['/api/notifications/realtime', user],
    ['/api/ably/token', user],
    ['/admin/metrics', admin],
    ['/admin/dlq/stats', admin],
    ['/health/live', {}],
    ['/health/ready', {}],
    ['/api/notifications/openapi.json', {}],
  ] as const;
  const accept = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('text/plain', 'application/json', '*/*', 'text/html', ''),
    anyString,
  );
  const before = await fingerprint(app);
  await check(
    fc.asyncProperty(fc.constantFrom(...routes), queryString(['limit', 'x']), accept, async ([url, headers], query, accepts) => {
      cases++;
      // A header value cannot hold every character: those a client could not send are skipped.
      const acceptHeader = accepts !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(accepts) ? { accept: accepts } : {};
      const response = await app.inject({ url: `${url}${query}`, headers: { ...headers, ...acceptHeader } });
      assertNoServerError(response, `GET ${url}${query}`);
      if (response.statusCode !== 200) throw new Error(`GET ${url}${query} → ${response.statusCode} ${response.body}`);
    }),
    500,
  );
  assertSame(before, await fingerprint(app), 'the GET routes');
  t.pass('500 requests: all 200, nothing written');
});

/** Sends a body and checks the answer and the state: a 4xx leaves every table as it was. */
async function sendAndCheck(
  request: { method: 'PATCH' | 'POST' | 'PUT' | 'DELETE'; url: string; headers: Record<string, string> },
  body: FuzzBody,
): Promise<{ statusCode: number; json: () => any }> {
  cases++;
  const before = await fingerprint(app);
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: bodyHeaders(body, request.headers),
    ...(body.payload === undefined ? {} : { payload: body.payload }),
  });
  const what = `${request.method} ${request.url} ${body.contentType} ${String(body.payload).slice(0, 100)}`;
  assertNoServerError(response, what);
  if (response.statusCode >= 400) assertSame(before, await fingerprint(app), what);
  return response;
}

t.test(
  'PATCH /api/notifications/:id: any id, any body → 200 for the owner’s valid change, else 4xx and nothing changed',
  async (t) => {
    const flag = fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 }));
    const body = fuzzBody(
      fc.oneof(
        nearObject({ isRead: flag, isArchived: flag }),
        fc.record({ isRead: fc.boolean(), isArchived: fc.boolean() }, { requiredKeys: [] }),
      ),
    );
    await check(
      fc.asyncProperty(idSegment, body, async (id, sent) => {
        const url = `/api/notifications/${id}`;
        const response = await sendAndCheck({ method: 'PATCH', url, headers: user }, sent);
        if (response.statusCode === 200) {
          const answer = response.json();
          if (!mineIds.has(answer.id) || answer.id !== id) throw new Error(`PATCH ${id} answered ${answer.id}`);
        } else if (response.statusCode === 404) {
          if (mineIds.has(id) && response.json().code !== 'FST_ERR_NOT_FOUND') throw new Error(`own id ${id} → 404`);
        }
      }),
      850,
    );
    t.pass('850 requests');
  },
);

t.test('POST mark-all-read and archive-read: any body → 200 (none, or {}) or 4xx (nothing changed)', async (t) => {
  const url = fc.constantFrom('/api/notifications/mark-all-read', '/api/notifications/archive-read');
  await check(
    fc.asyncProperty(url, fuzzBody(fc.jsonValue({ maxDepth: 2 })), async (target, sent) => {
      const response = await sendAndCheck({ method: 'POST', url: target, headers: user }, sent);
      if (response.statusCode === 200 && !Number.isInteger(response.json().updated)) throw new Error('updated');
      // No body at all (none, or zero bytes of any kind), `{}` or `null`.
      const empty = /^\s*(\{\s*\}|null)?\s*$/.test(sent.payload === undefined ? '' : String(sent.payload));
      if (response.statusCode === 200 && !empty) throw new Error(`${target} took a body: ${String(sent.payload)}`);
    }),
    350,
  );
  t.pass('350 requests');
});

t.test('push-subscriptions: any body → 201/200/204 for a valid one, else 4xx and nothing changed', async (t) => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const p256dh = ecdh.getPublicKey().toString('base64url');
  const auth = randomBytes(16).toString('base64url');
  const endpoint = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('https://fcm.googleapis.com/fcm/send/a', 'https://updates.push.services.mozilla.com/wpush/v2/b'),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'http://fcm.googleapis.com/x',
        'https://127.0.0.1/x',
        'https://10.0.0.1/x',
        'https://[::1]/x',
        'javascript:alert(1)',
      ),
    },
    { weight: 2, arbitrary: anyString },
  );
  const key = (valid: string) => fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: anyString });
  // Well-formed subscriptions often enough that the accepted path is exercised in every run.
  const valid = fc.record({
    endpoint: fc.constantFrom('https://fcm.googleapis.com/fcm/send/c', 'https://web.push.apple.com/d'),
    expirationTime: fc.constant(null),
    keys: fc.constant({ p256dh, auth }),
  });
  const near = nearObject({
    endpoint,
    expirationTime: fc.oneof(fc.constant(null), fc.integer(), fc.jsonValue({ maxDepth: 1 })),
    keys: fc.oneof(
      { weight: 4, arbitrary: nearObject({ p256dh: key(p256dh), auth: key(auth) }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    ),
  });
  const method = fc.constantFrom('POST' as const, 'DELETE' as const);
  let accepted = 0;
  await check(
    fc.asyncProperty(
      method,
      fuzzBody(fc.oneof({ weight: 1, arbitrary: near }, { weight: 1, arbitrary: valid })),
      async (verb, sent) => {
        const response = await sendAndCheck({ method: verb, url: '/api/notifications/push-subscriptions', headers: user }, sent);
        if (response.statusCode < 300) {
          accepted++;
          const sentEndpoint = JSON.parse(String(sent.payload)).endpoint;
          const [row] = await em.execute('select user_id from tresta_push_subscriptions where endpoint = ?', [
            new URL(sentEndpoint).href,
          ]);
          if (verb === 'POST' && row?.user_id !== USER) throw new Error(`POST ${response.statusCode} stored nothing`);
          if (verb === 'DELETE' && row) throw new Error('DELETE 204 left the row');
        }
      },
    ),
    500,
  );
  t.ok(accepted > 0, `${accepted} of 500 bodies were valid`);
});

t.test('PUT /api/notifications/preferences: any body → 200 with what GET then answers, or 400 and nothing changed', async (t) => {
  const typeKey = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...TYPES) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'new_testimonial') },
    { weight: 1, arbitrary: anyString },
  );
  const flag = fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });
  const near = nearObject({
    emailEnabled: flag,
    inAppEnabled: flag,
    digest: fc.oneof(fc.constantFrom('daily', 'weekly', 'off', 'DAILY', 'never'), fc.jsonValue({ maxDepth: 1 })),
    types: fc.oneof(
      { weight: 4, arbitrary: fc.dictionary(typeKey, nearObject({ inApp: flag, email: flag }), { maxKeys: 4 }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    ),
  });
  let accepted = 0;
  await check(
    fc.asyncProperty(fuzzBody(near), async (sent) => {
      const response = await sendAndCheck({ method: 'PUT', url: '/api/notifications/preferences', headers: user }, sent);
      if (response.statusCode === 200) {
        accepted++;
        const stored = (await app.inject({ url: '/api/notifications/preferences', headers: user })).json();
        if (JSON.stringify(stored) !== JSON.stringify(response.json())) throw new Error('PUT answered what GET does not');
        if (Object.keys(stored.types).sort().join() !== [...TYPES].sort().join()) throw new Error('types');
      } else if (response.statusCode === 400 && typeof sent.payload === 'string' && sent.payload.includes('"types"')) {
        // fine: an unknown type or a bad value
      }
    }),
    850,
  );
  t.ok(accepted > 0, `${accepted} of 850 bodies were valid updates`);
});

t.test(
  'unsubscribe: forged, tampered or junk tokens → 400 and nothing changed; a genuine one needs the one-click body',
  async (t) => {
    const tampered = fc
      .tuple(fc.nat({ max: genuineToken.length - 1 }), fc.constantFrom('A', 'B', '_', '-', '.'))
      .map(([at, c]) => genuineToken.slice(0, at) + c + genuineToken.slice(at + 1))
      // The last character of a base64url segment carries padding bits: a change there alone can leave
      // the same bytes, which is the same token, not a tampered one.
      .filter((token) => {
        const [parts, genuine] = [token.split('.'), genuineToken.split('.')];
        return (
          parts.length !== 3 ||
          parts.some((part, i) => !Buffer.from(part, 'base64url').equals(Buffer.from(genuine[i]!, 'base64url')))
        );
      });
    // Signed by someone else, with alg none, or for another audience: never genuine.
    const forged = fc
      .tuple(anyString, fc.constantFrom('secret' as const, 'none' as const, 'audience' as const))
      .map(async ([sub, how]) => {
        if (how === 'secret') return unsubscribeToken(sub || 'x', {}, 'wrong-secret-wrong-secret-wrong-secret');
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(sub || 'x')
          .setAudience(how === 'audience' ? 'another-audience' : 'tresta-unsubscribe')
          .sign(new TextEncoder().encode(UNSUBSCRIBE_SECRET));
        return how === 'none' ? token.replace(/^[^.]+/, 'eyJhbGciOiJub25lIn0') : token;
      });
    const token = fc.oneof(
      { weight: 3, arbitrary: anyString.map(encode) },
      { weight: 2, arbitrary: tampered },
      {
        weight: 1,
        arbitrary: fc.constant('eyJhbGciOiJub25lIn0.eyJzdWIiOiJmdXp6LXVzZXIiLCJhdWQiOiJ0cmVzdGEtdW5zdWJzY3JpYmUifQ.'),
      },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    const form = fc.oneof(
      fuzzBody(fc.jsonValue({ maxDepth: 1 })),
      fc.record({
        contentType: fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain'),
        payload: fc.oneof(
          fc.constantFrom('List-Unsubscribe=One-Click', 'List-Unsubscribe=one-click', 'List-Unsubscribe=', '', 'x'.repeat(5_000)),
          anyString,
        ),
      }),
    );
    await check(
      fc.asyncProperty(token, fc.constantFrom('GET' as const, 'POST' as const), form, async (value, method, body) => {
        const url = `/api/notifications/unsubscribe${value === null ? '' : `?token=${value}`}`;
        if (method === 'GET') {
          cases++;
          const before = await fingerprint(app);
          const response = await app.inject({ url });
          assertNoServerError(response, `GET ${url}`);
          if (response.statusCode !== 400) throw new Error(`GET ${url} → ${response.statusCode}`);
          assertSame(before, await fingerprint(app), `GET ${url}`);
          return;
        }
        const response = await sendAndCheck({ method, url, headers: {} }, body);
        if (response.statusCode < 400) throw new Error(`a junk token was accepted: ${url}`);
      }),
      450,
    );
    const forgedTokens = await Promise.all(fc.sample(forged, 50));
    for (const value of forgedTokens) {
      cases++;
      const before = await fingerprint(app);
      const response = await app.inject({
        method: 'POST',
        url: `/api/notifications/unsubscribe?token=${value}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      assertNoServerError(response, value);
      if (response.statusCode !== 400) t.fail(`a token signed with another secret or alg none was accepted: ${value}`);
      assertSame(before, await fingerprint(app), 'forged token');
    }

    // The genuine token: any body but the one-click form is 400 and changes nothing.
    await check(
      fc.asyncProperty(form, async (body) => {
        const url = `/api/notifications/unsubscribe?token=${genuineToken}`;
        const response = await sendAndCheck({ method: 'POST', url, headers: {} }, body);
        const oneClick =
          typeof body.payload === 'string' &&
          body.contentType !== undefined &&
          // RFC 8058 posts a form: no other content type is read (a text/plain body is refused with 415).
          /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(body.contentType) &&
          /List-Unsubscribe=One-Click/.test(body.payload);
        if (response.statusCode === 200 && !oneClick) throw new Error(`unsubscribed by ${body.contentType} ${body.payload}`);
      }),
      150,
    );
    t.pass('650 requests');
  },
);

t.test('Resend webhook: unsigned junk → 401/4xx and nothing changed; signed junk events → 200, never 5xx', async (t) => {
  await check(
    fc.asyncProperty(
      fuzzBody(fc.jsonValue({ maxDepth: 3 })),
      fc.record({ 'svix-id': anyString, 'svix-timestamp': anyString, 'svix-signature': anyString }, { requiredKeys: [] }),
      async (body, signature) => {
        const headers = Object.fromEntries(
          Object.entries(signature).filter(([, value]) => /^[\t\x20-\x7e]*$/.test(value as string)),
        ) as Record<string, string>;
        const response = await sendAndCheck({ method: 'POST', url: '/api/notifications/webhooks/resend', headers }, body);
        if (response.statusCode < 400) throw new Error('an unsigned event was accepted');
      },
    ),
    250,
  );

  const event = fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 4,
      arbitrary: nearObject({
        type: fc.oneof(
          fc.constantFrom('email.delivered', 'email.bounced', 'email.complained', 'email.delivery_delayed', 'email.sent'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        created_at: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          anyString,
          fc.jsonValue({ maxDepth: 1 }),
        ),
        data: fc.oneof(
          {
            weight: 4,
            arbitrary: nearObject({
              email_id: fc.oneof(fc.uuid().map(String), anyString, fc.jsonValue({ maxDepth: 1 })),
              to: fc.oneof(fc.array(fc.oneof(fc.emailAddress(), anyString), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
              bounce: fc.oneof(
                nearObject({ type: fc.oneof(fc.constantFrom('Permanent', 'Transient'), fc.jsonValue({ maxDepth: 1 })) }),
                fc.jsonValue({ maxDepth: 1 }),
              ),
            }),
          },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
        ),
      }),
    },
  );
  await check(
    fc.asyncProperty(event, async (value) => {
      cases++;
      const payload = JSON.stringify(value);
      const response = await app.inject(signedResendWebhook(WEBHOOK_SECRET, payload));
      assertNoServerError(response, `signed ${payload}`);
      if (response.statusCode !== 200) throw new Error(`signed ${payload} → ${response.statusCode} ${response.body}`);
    }),
    350,
  );
  t.pass('600 requests');
});

t.test('admin routes: any dead-letter query, id or job name → 200, 400 or 404, nothing changed on rejection', async (t) => {
  const before = await fingerprint(app);
  await check(
    fc.asyncProperty(queryString(['limit', 'cursor', 'queue', 'errorType']), async (query) => {
      cases++;
      const response = await app.inject({ url: `/admin/dlq${query}`, headers: admin });
      assertNoServerError(response, `GET /admin/dlq${query}`);
      if (![200, 400].includes(response.statusCode)) throw new Error(`GET /admin/dlq${query} → ${response.statusCode}`);
    }),
    300,
  );
  assertSame(before, await fingerprint(app), 'listing dead letters');

  const requeueId = fc.oneof(
    fc.uuid().map(String),
    anyString.map(encode),
    fc.tuple(anyString, rawFragment).map(([s, raw]) => `${encode(s)}${raw}`),
  );
  await check(
    fc.asyncProperty(requeueId, fuzzBody(fc.jsonValue({ maxDepth: 1 })), async (id, body) => {
      const response = await sendAndCheck({ method: 'POST', url: `/admin/dlq/${id}/requeue`, headers: admin }, body);
      if (response.statusCode < 400 && id !== deadLetter!.id) throw new Error(`requeued ${id}`);
    }),
    250,
  );

  const jobName = fc
    .oneof(anyString, fc.constantFrom('DIGEST', 'digest ', 'retention/', '__proto__', 'constructor'))
    .filter((name) => !JOB_NAMES.has(name));
  await check(
    fc.asyncProperty(jobName, fuzzBody(fc.jsonValue({ maxDepth: 1 })), async (name, body) => {
      const response = await sendAndCheck({ method: 'POST', url: `/admin/jobs/${encode(name)}/run`, headers: admin }, body);
      if (response.statusCode < 400) throw new Error(`ran a job named ${JSON.stringify(name)}`);
    }),
    250,
  );
  t.pass('800 requests');
});

t.test('oversized bodies → 413 with a code, nothing changed', async (t) => {
  const big = (bytes: number) => JSON.stringify({ isRead: true, pad: 'x'.repeat(bytes) });
  const cases413 = [
    {
      method: 'PATCH' as const,
      url: `/api/notifications/${mine[0]!.id}`,
      headers: user,
      payload: big(1_100_000),
      type: 'application/json',
    },
    {
      method: 'PUT' as const,
      url: '/api/notifications/preferences',
      headers: user,
      payload: big(2_000_000),
      type: 'application/json',
    },
    {
      method: 'POST' as const,
      url: '/api/notifications/mark-all-read',
      headers: user,
      payload: big(1_100_000),
      type: 'application/json',
    },
    {
      method: 'POST' as const,
      url: `/admin/dlq/${deadLetter!.id}/requeue`,
      headers: admin,
      payload: big(1_100_000),
      type: 'application/json',
    },
    {
      method: 'POST' as const,
      url: '/api/notifications/push-subscriptions',
      headers: user,
      payload: big(10_000),
      type: 'application/json',
    },
    {
      method: 'POST' as const,
      url: '/api/notifications/webhooks/resend',
      headers: {},
      payload: big(300_000),
      type: 'application/json',
    },
    {
      method: 'POST' as const,
      url: `/api/notifications/unsubscribe?token=${genuineToken}`,
      headers: {},
      payload: `List-Unsubscribe=One-Click&pad=${'x'.repeat(5_000)}`,
      type: 'application/x-www-form-urlencoded',
    },
  ];
  for (const { method, url, headers, payload, type } of cases413) {
    const before = await fingerprint(app);
    const response = await app.inject({ method, url, headers: { ...headers, 'content-type': type }, payload });
    t.equal(response.statusCode, 413, `${method} ${url.slice(0, 60)} with ${payload.length} bytes`);
    t.match(response.json(), { statusCode: 413, code: String });
    t.same(await fingerprint(app), before, 'nothing changed');
  }
});

t.test('malformed ids → 400 FST_ERR_VALIDATION (414 past 100 characters), on every route with an id', async (t) => {
  for (const id of [
    'not-a-uuid',
    '1',
    '00000000-0000-0000-0000-00000000000g',
    "1'%20or%201=1",
    '%00',
    '%F0%9F%94%94',
    'x'.repeat(500),
  ]) {
    for (const [method, url, headers] of [
      ['PATCH', `/api/notifications/${id}`, user],
      ['POST', `/admin/dlq/${id}/requeue`, admin],
    ] as const) {
      const response = await app.inject({ method, url, headers, payload: { isRead: true } });
      // Fastify refuses a path parameter over 100 characters before any schema: 414 URI Too Long.
      const [status, code] = id.length > 100 ? [414, 'FST_ERR_MAX_PARAM_LENGTH'] : [400, 'FST_ERR_VALIDATION'];
      t.equal(response.statusCode, status, `${method} ${url.slice(0, 60)}`);
      t.equal(response.json().code, code);
    }
  }
});

t.test('after the fuzz: the data is intact and Object.prototype clean', async (t) => {
  assertPrototypeClean();
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  const [row] = await em.execute<Array<{ count: number }>>('select count(*)::int as count from tresta_notifications');
  t.equal(row?.count, mine.length + theirs.length, 'no notification was created or deleted by any request');
  const others = (await app.inject({ url: '/api/notifications', headers: await authFor(OTHER) })).json();
  t.same(
    others.items.map((n: { id: string; isRead: boolean }) => [n.id, n.isRead]).sort(),
    theirs.map((n) => [n.id, false]).sort(),
    "the other user's notifications are untouched",
  );
});
