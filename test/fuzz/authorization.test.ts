// Issue #9, part 2: who may do what. User A against every route with user B's ids, non-admins
// against every admin route, junk and forged credentials against everything, and arbitrary (signed)
// subjects: nothing leaks across users and nothing changes without the right to change it.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, exportPKCS8, generateKeyPair } from 'jose';
import { encodeCursor } from '../../plugin/services/cursor.js';
import { isStorableText } from '../../plugin/services/validate-notification.js';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN, ISSUER, createTokenKit } from '../helpers/tokens.js';
import {
  anyString,
  assertNoServerError,
  assertPrototypeClean,
  assertSame,
  encode,
  fingerprint,
  fuzzBody,
  bodyHeaders,
} from './lib/fuzz.js';

const A = 'alice';
const B = 'bob';
const JOBS = ['digest', 'reconciliation', 'redrive', 'retention'];

const { app, authFor, tokens } = await buildTestApp(t, {
  apiRateLimitPerMinute: 1_000_000,
  email: { unsubscribeSecret: randomBytes(32).toString('hex') },
  realtime: { ablyApiKey: 'fuzzapp.fuzzkey:fuzzsecretfuzzsecret', enabled: false },
});
const em = app.notifications.orm.em.fork();
const aliceNotes = await app.notifications.notifyMany(
  Array.from({ length: 5 }, (_, i) => ({ userId: A, type: 'NEW_TESTIMONIAL', title: `alice ${i}`, message: 'for alice' })),
);
const bobNotes = await app.notifications.notifyMany(
  Array.from({ length: 5 }, (_, i) => ({ userId: B, type: 'SECURITY_ALERT', title: `bob secret ${i}`, message: 'for bob only' })),
);
const aliceIds = new Set(aliceNotes.map((n) => n.id));
const bobIds = bobNotes.map((n) => n.id);
const alice = await authFor(A);
const bob = await authFor(B);
await app.inject({
  method: 'PUT',
  url: '/api/notifications/preferences',
  headers: bob,
  payload: { emailEnabled: false, digest: 'weekly' },
});
const [deadLetter] = await em.execute<Array<{ id: string }>>(
  `insert into tresta_dead_letters (id, queue, job_id, job_name, payload, error_type, error_message, attempts)
   values (gen_random_uuid(), 'notifications', 'authz-job', 'deliver-notification', '{}'::jsonb, 'transient', 'failed', 5)
   returning id`,
);

/** A hash of everything that belongs to the given users. */
async function rowsOf(...users: string[]): Promise<string> {
  const [row] = await em.execute<Array<{ hash: string }>>(
    `select concat_ws('/',
       (select md5(coalesce(string_agg(n::text, '|' order by n.id), '')) from tresta_notifications n where user_id in (select jsonb_array_elements_text(?::jsonb))),
       (select md5(coalesce(string_agg(p::text, '|' order by p.user_id), '')) from tresta_notification_preferences p where user_id in (select jsonb_array_elements_text(?::jsonb))),
       (select md5(coalesce(string_agg(o::text, '|' order by o.id), '')) from tresta_outbox o where user_id in (select jsonb_array_elements_text(?::jsonb)))) as hash`,
    [JSON.stringify(users), JSON.stringify(users), JSON.stringify(users)],
  );
  return row!.hash;
}
const bobsRows = await rowsOf(B);

/** Every authenticated route, with A's ids where it takes one. */
const USER_ROUTES = [
  { method: 'GET', url: '/api/notifications' },
  { method: 'GET', url: '/api/notifications/unread-count' },
  { method: 'PATCH', url: `/api/notifications/${aliceNotes[0]!.id}`, payload: { isRead: true } },
  { method: 'POST', url: '/api/notifications/mark-all-read' },
  { method: 'POST', url: '/api/notifications/archive-read' },
  { method: 'GET', url: '/api/notifications/preferences' },
  { method: 'PUT', url: '/api/notifications/preferences', payload: { inAppEnabled: false } },
  { method: 'GET', url: '/api/notifications/realtime' },
  { method: 'GET', url: '/api/ably/token' },
] as const;
const ADMIN_ROUTES = [
  { method: 'GET', url: '/admin/metrics' },
  { method: 'GET', url: '/admin/dlq' },
  { method: 'GET', url: '/admin/dlq/stats' },
  { method: 'POST', url: `/admin/dlq/${deadLetter!.id}/requeue` },
  ...JOBS.map((name) => ({ method: 'POST', url: `/admin/jobs/${name}/run` }) as const),
] as const;
type Route = { method: 'GET' | 'POST' | 'PATCH' | 'PUT'; url: string; payload?: object };
const ALL_ROUTES: Route[] = [...USER_ROUTES, ...ADMIN_ROUTES];

let cases = 0;
t.teardown(() => {
  t.comment(`${cases} authorization fuzz cases`);
});

t.test("A against B's ids on every route: 404 or A's own data only, and B's rows unchanged", async (t) => {
  for (const id of bobIds) {
    for (const payload of [{ isRead: true }, { isRead: false }, { isArchived: true }, { isRead: true, isArchived: true }]) {
      const res = await app.inject({ method: 'PATCH', url: `/api/notifications/${id}`, headers: alice, payload });
      t.equal(res.statusCode, 404, `PATCH B's ${id} as A with ${JSON.stringify(payload)}`);
      t.equal(res.json().code, 'TRESTA_ERR_API_NOT_FOUND');
      t.notMatch(res.body, /bob/, 'the answer says nothing about B');
    }
    // A cursor made from B's notification only moves A's own list.
    const cursor = encodeCursor({ createdAt: new Date(Date.now() + 60_000), id });
    const list = await app.inject({ url: `/api/notifications?cursor=${cursor}&limit=100`, headers: alice });
    t.equal(list.statusCode, 200);
    t.ok(
      list.json().items.every((n: { id: string }) => aliceIds.has(n.id)),
      "a cursor from B's id lists only A's",
    );
    const requeue = await app.inject({ method: 'POST', url: `/admin/dlq/${id}/requeue`, headers: alice });
    t.equal(requeue.statusCode, 403, "B's id on an admin route as A");
  }
  const list = await app.inject({ url: '/api/notifications?limit=100', headers: alice });
  t.same(
    list
      .json()
      .items.map((n: { id: string }) => n.id)
      .sort(),
    [...aliceIds].sort(),
    "A's list is exactly A's",
  );
  t.notMatch(list.body, /bob/);
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers: alice })).json(), { count: 5 });
  const prefs = (await app.inject({ url: '/api/notifications/preferences', headers: alice })).json();
  t.match(prefs, { emailEnabled: true, digest: 'daily' }, "A sees A's preferences, not B's");
  const realtime = (await app.inject({ url: '/api/notifications/realtime', headers: alice })).json();
  t.notMatch(JSON.stringify(realtime), /bob/, 'the realtime offer names no other user');
  const token = (await app.inject({ url: '/api/ably/token', headers: alice })).json();
  t.equal(token.clientId, A);
  t.same(JSON.parse(token.capability), { [`notifications:${A}`]: ['subscribe'] }, "A's token subscribes to A's channel only");

  t.same((await app.inject({ method: 'POST', url: '/api/notifications/mark-all-read', headers: alice })).json(), { updated: 5 });
  await app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: alice, payload: { emailEnabled: false } });
  t.equal(await rowsOf(B), bobsRows, "B's notifications, preferences and outbox rows are exactly as before");
  t.same((await app.inject({ url: '/api/notifications/unread-count', headers: bob })).json(), { count: 5 });
});

t.test('non-admins on every admin route: 403, nothing changed, nothing enqueued', async (t) => {
  const nonAdmins = [
    await authFor(A),
    await authFor(A, { role: 'Admin' }),
    await authFor(A, { role: 'admin ' }),
    await authFor(A, { role: ['user', 'ADMIN'] }),
    await authFor(A, { role: { admin: true } }),
    await authFor(A, { role: true }),
    await authFor(A, { roles: ['admin'] }),
    await authFor(A, { metadata: { role: 'admin' } }),
  ];
  const before = await fingerprint(app);
  for (const headers of nonAdmins) {
    for (const { method, url } of ADMIN_ROUTES) {
      for (const accept of ['application/json', 'text/plain']) {
        const res = await app.inject({ method, url, headers: { ...headers, accept } });
        t.equal(res.statusCode, 403, `${method} ${url}`);
        t.equal(res.json().code, 'TRESTA_ERR_AUTH_FORBIDDEN');
      }
    }
  }
  t.same(await fingerprint(app), before, 'no row changed (the dead letter was not requeued)');
  const admin = await authFor('ops', { role: ['user', 'admin'] });
  t.equal((await app.inject({ url: '/admin/dlq/stats', headers: admin })).statusCode, 200, 'an admin (role array) gets in');
});

t.test('no credentials on every route: 401 with a code, nothing changed', async (t) => {
  const before = await fingerprint(app);
  for (const { method, url, ...rest } of ALL_ROUTES) {
    const res = await app.inject({ method, url, ...('payload' in rest ? { payload: rest.payload } : {}) });
    t.equal(res.statusCode, 401, `${method} ${url}`);
    t.equal(res.json().code, 'TRESTA_ERR_AUTH_UNAUTHORIZED');
  }
  t.same(await fingerprint(app), before);
});

t.test('junk and forged credentials × every route → 401, nothing changed', async (t) => {
  const other = await createTokenKit();
  const { privateKey: hsKey } = { privateKey: new TextEncoder().encode(tokens.publicKeyPem) };
  const { privateKey: es256 } = await generateKeyPair('ES256');
  const genuine = await tokens.sign(A, { role: 'admin' });
  const unsigned = (claims: object) =>
    `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  const now = Math.floor(Date.now() / 1000);
  const forged = [
    await other.sign(A, { role: 'admin' }),
    await tokens.sign(A, { expiresIn: now - 3_600 }),
    await tokens.sign(A, { issuer: 'https://evil.example' }),
    await tokens.sign(A, { azp: 'https://evil.example', role: 'admin' }),
    await tokens.sign('', { role: 'admin' }),
    await new SignJWT({ sub: A, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(hsKey),
    await new SignJWT({ sub: A, role: 'admin', azp: APP_ORIGIN })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1' })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(es256),
    unsigned({ sub: A, role: 'admin', iss: ISSUER, exp: now + 3_600 }),
    genuine.slice(0, -2) + (genuine.endsWith('AA') ? 'BB' : 'AA'),
    genuine.split('.').slice(0, 2).join('.') + '.',
    `${genuine.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: B, role: 'admin', iss: ISSUER, exp: now + 3_600 })).toString('base64url')}.${genuine.split('.')[2]}`,
    `${genuine}.${genuine}`,
    ` ${genuine}`,
  ];
  void exportPKCS8;
  const headerSafe = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...forged).map((token) => `Bearer ${token}`) },
    { weight: 2, arbitrary: anyString.filter(headerSafe).map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: anyString.filter(headerSafe) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'bearer ' + genuine,
        'Basic YWxpY2U6cGFzcw==',
        `Bearer  ${genuine}`,
        `Token ${genuine}`,
      ),
    },
  );
  const before = await fingerprint(app);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ALL_ROUTES), authorization, async ({ method, url, ...rest }, header) => {
      cases++;
      const res = await app.inject({
        method,
        url,
        headers: { authorization: header },
        ...('payload' in rest ? { payload: rest.payload } : {}),
      });
      assertNoServerError(res, `${method} ${url} with ${header.slice(0, 60)}`);
      if (res.statusCode !== 401 || res.json().code !== 'TRESTA_ERR_AUTH_UNAUTHORIZED') {
        throw new Error(
          `${method} ${url} with ${JSON.stringify(header.slice(0, 80))} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      }
    }),
    { numRuns: 800 },
  );
  assertSame(before, await fingerprint(app), 'requests with bad credentials');
  t.pass('800 requests, all 401');
});

t.test('any signed subject, any role claim: only its own data, admin only for the admin role', async (t) => {
  const subject = fc.oneof(
    { weight: 3, arbitrary: anyString.filter((s) => s.length > 0) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `${A} `,
        A.toUpperCase(),
        `${A}\u200b`,
        `${B}:x`,
        'notifications:bob',
        '*',
        `${A}*`,
        'a'.repeat(10_000),
      ),
    },
  );
  const role = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('admin', ['admin'], 'Admin', ['user'], 'user', null, { role: 'admin' }, ['x', 'admin']),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const isAdminRole = (value: unknown) => value === 'admin' || (Array.isArray(value) && value.includes('admin'));
  const before = await rowsOf(A, B);
  await fc.assert(
    fc.asyncProperty(subject, role, fc.constantFrom(...ALL_ROUTES), async (sub, claim, { method, url, ...rest }) => {
      // An admin's run of a scheduled job waits for a worker (this app runs none): only who gets in is checked here.
      if (isAdminRole(claim) && url.startsWith('/admin/jobs/')) return;
      cases++;
      const headers = await authFor(sub, claim === undefined ? {} : { role: claim });
      const res = await app.inject({ method, url, headers, ...('payload' in rest ? { payload: rest.payload } : {}) });
      const what = `${method} ${url} as ${JSON.stringify(sub.slice(0, 40))} role ${JSON.stringify(claim)}`;
      assertNoServerError(res, what);
      if (!isStorableText(sub)) {
        if (res.statusCode !== 401) throw new Error(`${what}: a subject Postgres cannot store → ${res.statusCode}`);
        return;
      }
      if (url.startsWith('/admin')) {
        if (!isAdminRole(claim) && res.statusCode !== 403) throw new Error(`${what} → ${res.statusCode}`);
        return;
      }
      if (sub === A || sub === B) return;
      if (res.statusCode === 200 && method === 'GET' && url === '/api/notifications' && res.json().items.length > 0) {
        throw new Error(`${what} listed someone's notifications: ${res.body.slice(0, 200)}`);
      }
      if (res.statusCode === 200 && url === '/api/notifications/unread-count' && res.json().count !== 0) throw new Error(what);
      if (res.statusCode === 200 && url.startsWith('/api/notifications/') && method === 'PATCH')
        throw new Error(`${what} changed A's`);
      if (res.statusCode === 200 && url === '/api/ably/token') {
        const capability = Object.keys(JSON.parse(res.json().capability));
        if (capability.length !== 1 || capability[0] !== `notifications:${sub}` || res.json().clientId !== sub)
          throw new Error(what);
      }
    }),
    { numRuns: 900 },
  );
  t.equal(await rowsOf(A, B), before, "no other subject changed A's or B's rows");
  t.pass('900 requests');
});

t.test("A × any method, route and body with B's ids: B's rows never change, nothing of B's is answered", async (t) => {
  const id = fc.oneof(
    fc.constantFrom(...bobIds),
    fc.constantFrom(...bobIds).map((i) => i.toUpperCase()),
    fc.uuid().map(String),
    anyString.map(encode),
  );
  const target = fc.oneof(
    id.map((i) => ({ method: 'PATCH' as const, url: `/api/notifications/${i}` })),
    id.map((i) => ({ method: 'POST' as const, url: `/admin/dlq/${i}/requeue` })),
    id.map((i) => ({
      method: 'GET' as const,
      url: `/api/notifications?cursor=${encodeCursor({ createdAt: new Date(), id: i })}`,
    })),
    fc.constantFrom(
      { method: 'PUT' as const, url: '/api/notifications/preferences' },
      { method: 'POST' as const, url: '/api/notifications/mark-all-read' },
      { method: 'POST' as const, url: '/api/notifications/archive-read' },
      { method: 'DELETE' as const, url: `/api/notifications/${bobIds[0]}` },
      { method: 'GET' as const, url: `/api/notifications/${bobIds[0]}` },
      { method: 'PUT' as const, url: `/api/notifications/${bobIds[0]}` },
    ),
  );
  const body = fuzzBody(
    fc.oneof(
      fc.record({ isRead: fc.boolean(), userId: fc.constant(B), id: fc.constantFrom(...bobIds) }, { requiredKeys: ['isRead'] }),
      fc.record({ isArchived: fc.boolean(), isRead: fc.boolean() }, { requiredKeys: ['isArchived'] }),
      fc.record(
        { emailEnabled: fc.boolean(), userId: fc.constant(B), types: fc.constant({ SECURITY_ALERT: { inApp: false } }) },
        { requiredKeys: [] },
      ),
    ),
  );
  await fc.assert(
    fc.asyncProperty(target, body, async ({ method, url }, sent) => {
      cases++;
      const res = await app.inject({
        method,
        url,
        headers: bodyHeaders(sent, alice),
        ...(sent.payload === undefined || method === 'GET' ? {} : { payload: sent.payload }),
      });
      const what = `${method} ${url} ${String(sent.payload).slice(0, 80)}`;
      assertNoServerError(res, what);
      if (/bob/.test(res.body)) throw new Error(`${what} answered B's data: ${res.body.slice(0, 200)}`);
      if (method === 'PATCH' && res.statusCode < 400) throw new Error(`${what} → ${res.statusCode}`);
      // The admin check is a preHandler: a request Fastify cannot parse or validate (bad content
      // type, malformed id) is refused first, with an FST_ERR_ code, and tells nothing the OpenAPI
      // document does not. It never gets further.
      const refusedEarlier = res.statusCode >= 400 && res.statusCode < 500 && /^FST_ERR_/.test(res.json().code);
      if (url.startsWith('/admin') && res.statusCode !== 403 && !refusedEarlier) throw new Error(`${what} → ${res.statusCode}`);
      if ((await rowsOf(B)) !== bobsRows) throw new Error(`${what} changed B's rows`);
    }),
    { numRuns: 800 },
  );
  t.pass('800 requests');
});

t.test('after the fuzz: Object.prototype is clean', async (t) => {
  assertPrototypeClean();
  t.equal(await rowsOf(B), bobsRows, "B's rows are as they were set up");
});
