import t from 'tap';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { buildTestApp } from '../helpers/app.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';

const JWKS_URL = 'https://clerk.tresta.test/.well-known/jwks.json';

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

t.test('session tokens from a PEM key', async (t) => {
  const { app, tokens, authFor } = await buildTestApp(t);
  await app.notifications.notify({ userId: 'user_a', type: 'NEW_TESTIMONIAL', title: 'For A', message: 'm' });
  const now = Math.floor(Date.now() / 1000);

  const rejected: Record<string, Record<string, string>> = {
    'no header': {},
    'not a bearer token': { authorization: 'Basic dXNlcjpwYXNz' },
    'malformed token': { authorization: 'Bearer not.a.jwt' },
    'expired token': { authorization: `Bearer ${await tokens.sign('user_a', { expiresIn: now - 60 })}` },
    'wrong issuer': { authorization: `Bearer ${await tokens.sign('user_a', { issuer: 'https://evil.test' })}` },
    'foreign azp': { authorization: `Bearer ${await tokens.sign('user_a', { azp: 'https://evil.test' })}` },
    'alg none': {
      authorization: `Bearer ${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment({ sub: 'user_a', iss: ISSUER, exp: now + 60 })}.`,
    },
    'HS256 signed': {
      authorization: `Bearer ${await new SignJWT({ azp: APP_ORIGIN })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user_a')
        .setIssuer(ISSUER)
        .setExpirationTime('60s')
        .sign(createSecretKey(Buffer.from('a-shared-secret-that-is-long-enough!!')))}`,
    },
    'signed by another key': {
      authorization: `Bearer ${await (await createTokenKit()).sign('user_a')}`,
    },
  };
  for (const [name, headers] of Object.entries(rejected)) {
    const res = await app.inject({ url: '/api/notifications', headers });
    t.equal(res.statusCode, 401, `${name} → 401`);
    t.equal(res.json().code, 'TRESTA_ERR_AUTH_UNAUTHORIZED', `${name} has the auth error code`);
  }

  const noAzp = await app.inject({
    url: '/api/notifications/unread-count',
    headers: await authFor('user_a', { azp: undefined }),
  });
  t.equal(noAzp.statusCode, 200, 'a token without azp is accepted (Clerk may omit it)');
  t.same(noAzp.json(), { count: 1 });
});

t.test('the user id comes from the token, never from the request', async (t) => {
  const { app, authFor } = await buildTestApp(t);
  await app.notifications.notify({ userId: 'victim', type: 'SECURITY_ALERT', title: 'Secret', message: 'm' });
  const headers = await authFor('attacker');
  for (const url of ['/api/notifications?userId=victim', '/api/notifications/unread-count?userId=victim']) {
    const res = await app.inject({ url, headers });
    t.equal(res.statusCode, 200, `${url}: the stray parameter is dropped, not obeyed`);
    t.notMatch(res.body, /Secret|"count":1/, `${url} shows nothing of the victim`);
  }
  const put = await app.inject({
    method: 'PUT',
    url: '/api/notifications/preferences',
    headers,
    payload: { userId: 'victim', emailEnabled: false },
  });
  t.equal(put.statusCode, 400, 'a user id in the body is an unknown key, refused');
  t.equal(put.json().code, 'TRESTA_ERR_API_UNKNOWN_KEY');
  const victim = await app.inject({ url: '/api/notifications/preferences', headers: await authFor('victim') });
  t.equal(victim.json().emailEnabled, true, "a user id in the body does not reach the victim's preferences");
  const attacker = await app.inject({ url: '/api/notifications/preferences', headers });
  t.equal(attacker.json().emailEnabled, true, 'and the refused body changed nothing of the caller’s either');
});

t.test('keys from a JWKS URL, admin from a role claim', async (t) => {
  const tokens = await createTokenKit();
  const jwksRequests: string[] = [];
  const server = setupServer(
    http.get(JWKS_URL, ({ request }) => {
      jwksRequests.push(request.url);
      return HttpResponse.json(tokens.jwks);
    }),
  );
  server.listen({ onUnhandledRequest: 'error' });
  t.teardown(() => server.close());

  const { app } = await buildTestApp(t, {
    auth: { jwt: { jwksUrl: JWKS_URL, issuer: ISSUER, authorizedParties: [APP_ORIGIN], adminClaim: 'metadata.roles' } },
  });
  const ok = await app.inject({
    url: '/api/notifications/unread-count',
    headers: { authorization: `Bearer ${await tokens.sign('user_j', { metadata: { roles: ['admin'] } })}` },
  });
  t.equal(ok.statusCode, 200, 'a token signed by a key from the JWKS is accepted');
  t.ok(jwksRequests.length >= 1, 'the JWKS was fetched');
  const foreign = await app.inject({
    url: '/api/notifications/unread-count',
    headers: { authorization: `Bearer ${await (await createTokenKit()).sign('user_j')}` },
  });
  t.equal(foreign.statusCode, 401, 'a key missing from the JWKS is refused');
});

t.test('a custom authenticate function', async (t) => {
  const { app } = await buildTestApp(t, {
    auth: {
      authenticate: async (request) =>
        request.headers['x-session'] === 'good' ? { userId: 'custom_user', isAdmin: false } : null,
    },
  });
  await app.notifications.notify({ userId: 'custom_user', type: 'NEW_TESTIMONIAL', title: 't', message: 'm' });
  const ok = await app.inject({ url: '/api/notifications/unread-count', headers: { 'x-session': 'good' } });
  t.same(ok.json(), { count: 1 });
  const refused = await app.inject({ url: '/api/notifications/unread-count', headers: { 'x-session': 'bad' } });
  t.equal(refused.statusCode, 401);
});
