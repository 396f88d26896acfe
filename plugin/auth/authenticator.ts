import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { UnauthorizedError } from '../errors.js';
import { isStorableText } from '../services/validate-notification.js';
import { fetchWithSizeLimit } from './bounded-fetch.js';
import type { AuthenticatedUser, AuthenticateFunction, AuthSettings, JwtSettings } from './types.js';

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function isAdmin(payload: JWTPayload, settings: JwtSettings): boolean {
  const claim = claimAt(payload, settings.adminClaim);
  return claim === settings.adminRole || (Array.isArray(claim) && claim.includes(settings.adminRole));
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header);
  return match?.[1] ?? null;
}

// A browser sends the same short-lived token with every request until it refreshes it (Clerk: ~60 s),
// so a verified token is remembered until it expires instead of paying an RSA verification each time.
const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_MAX_TTL_MS = 60_000;

/** A JWKS document is a few kilobytes; a larger answer is refused before it fills memory. */
export const JWKS_MAX_BYTES = 128 * 1024;

/** The longest a user id may be: the notification tables store it as varchar(255). */
const USER_ID_MAX_LENGTH = 255;

/**
 * One rule for every way a user arrives (bearer token, WebSocket auth frame, the host's own
 * scheme). Found by fuzzing: a subject with a NUL made every query fail, and one with an unpaired
 * surrogate reaches Postgres as U+FFFD, so two different subjects would share one user's rows.
 */
export function isUsableUserId(userId: string): boolean {
  return userId.length <= USER_ID_MAX_LENGTH && isStorableText(userId);
}

function checkedUser(user: AuthenticatedUser): AuthenticatedUser {
  if (!isUsableUserId(user.userId)) {
    throw new UnauthorizedError('the subject cannot be used as a user id');
  }
  return user;
}

/**
 * Verifies Clerk-compatible session tokens: RS256 only (so `alg: none` and HS256 are refused),
 * exp required and nbf checked with a small skew, an `iat` no later than now (same skew), the
 * issuer, and `azp` (a string) against the allowed origins when present — the checks Clerk's own
 * SDK makes.
 */
export type TokenVerifier = (token: string) => Promise<AuthenticatedUser>;

async function createJwtVerifier(settings: JwtSettings): Promise<TokenVerifier> {
  const key: JWTVerifyGetKey | CryptoKey = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { [customFetch]: fetchWithSizeLimit(JWKS_MAX_BYTES) })
    : await importSPKI(settings.publicKey as string, 'RS256');

  const verified = new LRUCache<string, { user: AuthenticatedUser; expiresAt: number }>({ max: VERIFIED_TOKENS_MAX });

  return async (token) => {
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.user;
    const { user, expiresAt } = await verifyToken(token);
    verified.set(token, { user, expiresAt: Math.min(expiresAt, Date.now() + VERIFIED_TOKEN_MAX_TTL_MS) });
    return user;
  };

  async function verifyToken(token: string): Promise<{ user: AuthenticatedUser; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms: ['RS256'],
        issuer: settings.issuer,
        clockTolerance: settings.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'the token has expired' : 'the token is invalid';
      throw new UnauthorizedError(reason);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new UnauthorizedError('the token has no subject');
    // jose checks iat's type but not that it lies in the past: a token "issued" a year ahead is forged or from a broken clock.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + settings.clockToleranceSeconds) {
      throw new UnauthorizedError('the token was issued in the future');
    }
    const azp = payload.azp;
    if (azp !== undefined && typeof azp !== 'string') throw new UnauthorizedError('the token has a malformed azp claim');
    if (settings.authorizedParties && azp !== undefined && !settings.authorizedParties.includes(azp)) {
      throw new UnauthorizedError('the token was issued for another origin');
    }
    const email = typeof payload.email === 'string' ? payload.email : undefined;
    const expiresAt = (payload.exp as number) * 1000;
    return { user: checkedUser({ userId: payload.sub, email, isAdmin: isAdmin(payload, settings), expiresAt }), expiresAt };
  }
}

export interface Authenticator {
  /** From the request's own credentials: the Authorization header, or the host's own scheme. */
  fromRequest: AuthenticateFunction;
  /** From a bare token (the WebSocket's auth frame); null when the host authenticates its own way. */
  fromToken: TokenVerifier | null;
  /**
   * True when the credential may be one a browser attaches by itself (the host's own scheme, e.g. a
   * session cookie): another site's page could then make requests in the user's name.
   */
  ambient: boolean;
}

/** The one way the plugin learns who is calling, whichever `auth` option the host chose. */
export async function createAuthenticator(auth: AuthSettings): Promise<Authenticator> {
  if (auth.kind === 'custom') {
    return {
      fromRequest: async (request) => {
        const user = await auth.authenticate(request);
        return user && checkedUser(user);
      },
      fromToken: null,
      ambient: true,
    };
  }
  const verify = await createJwtVerifier(auth.jwt);
  return {
    fromRequest: async (request) => {
      const token = bearerToken(request);
      if (!token) return null;
      return verify(token);
    },
    fromToken: verify,
    ambient: false,
  };
}
