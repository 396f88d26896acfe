import t from 'tap';
import Fastify from 'fastify';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import trestaNotifications, { type TrestaNotificationsOptions } from '../../plugin/index.js';
import { JWKS_MAX_BYTES } from '../../plugin/auth/authenticator.js';
import { buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';

const now = () => Math.floor(Date.now() / 1000);

t.test('tokens Clerk would never issue are refused; what it does issue is accepted', async (t) => {
  const { app, tokens } = await buildTestApp(t);
  const answer = async (token: string) =>
    (await app.inject({ url: '/api/notifications/unread-count', headers: { authorization: `Bearer ${token}` } })).statusCode;
  const base = { sub: 'user_claims', iss: ISSUER, azp: APP_ORIGIN };

  t.equal(await answer(await tokens.signRaw({ ...base, iat: now() })), 401, 'a token without exp never expires: refused');
  t.equal(
    await answer(await tokens.signRaw({ ...base, iat: now() + 365 * 24 * 3600, exp: now() + 400 * 24 * 3600 })),
    401,
    'a token issued a year ahead is refused',
  );
  t.equal(
    await answer(await tokens.signRaw({ ...base, azp: [APP_ORIGIN], iat: now(), exp: now() + 60 })),
    401,
    'azp given as an array is refused, even one holding an allowed origin',
  );
  t.equal(
    await answer(await tokens.signRaw({ ...base, iat: now() + 2, exp: now() + 60 })),
    200,
    'an iat within the clock tolerance is accepted',
  );
  t.equal(await answer(await tokens.signRaw({ ...base, iat: now(), exp: now() + 60 })), 200, 'a well-formed token is accepted');
  const { azp: _azp, ...withoutAzp } = base;
  t.equal(
    await answer(await tokens.signRaw({ ...withoutAzp, iat: now(), exp: now() + 60 })),
    200,
    'a token without azp is accepted',
  );
});

t.test('a key set larger than JWKS_MAX_BYTES is refused instead of read into memory', async (t) => {
  const JWKS_URL = 'https://clerk-big.tresta.test/.well-known/jwks.json';
  const tokens = await createTokenKit();
  const padding = Array.from({ length: 300 }, (_, i) => ({ kty: 'oct', kid: `pad-${i}`, k: 'A'.repeat(512) }));
  const server = setupServer(http.get(JWKS_URL, () => HttpResponse.json({ keys: [...tokens.jwks.keys, ...padding] })));
  server.listen({ onUnhandledRequest: 'bypass' });
  t.teardown(() => server.close());
  t.ok(JSON.stringify({ keys: padding }).length > JWKS_MAX_BYTES, 'the answer is over the limit');

  const { app } = await buildTestApp(t, {
    auth: { jwt: { jwksUrl: JWKS_URL, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
  });
  const response = await app.inject({
    url: '/api/notifications/unread-count',
    headers: { authorization: `Bearer ${await tokens.sign('user_big_jwks')}` },
  });
  t.equal(response.statusCode, 401, 'the token cannot be verified against an oversized key set');
});

t.test('a JWKS URL must be https, except on this machine', async (t) => {
  const register = async (jwksUrl: string) => {
    const app = Fastify();
    t.teardown(() => app.close());
    const options = {
      database: { url: 'postgresql://postgres@127.0.0.1:5432/postgres' },
      redis: { url: REDIS_URL },
      auth: { jwt: { jwksUrl } },
      workers: false,
      migrate: false,
    } as TrestaNotificationsOptions;
    await app.register(trestaNotifications, options).ready();
  };
  await t.rejects(register('http://clerk.example.com/.well-known/jwks.json'), {
    code: 'TRESTA_ERR_OPTIONS_INVALID',
    message: /"auth\.jwt\.jwksUrl".*https/,
  });
  await t.resolves(register('http://localhost:4010/.well-known/jwks.json'), 'a local key server over http is allowed');
});
