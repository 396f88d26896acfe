import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const ISSUER = 'https://clerk.tresta.test';
export const APP_ORIGIN = 'https://tresta.test';

export interface TokenKit {
  publicKeyPem: string;
  jwks: { keys: Record<string, unknown>[] };
  /** A valid session token for `sub`, with claims overridable per test. */
  sign: (sub: string, claims?: JWTPayload & { expiresIn?: string | number; issuer?: string }) => Promise<string>;
  /** Exactly these claims, nothing added (no exp, no iat unless given): for tokens Clerk would never issue. */
  signRaw: (claims: JWTPayload) => Promise<string>;
}

/** An RS256 key pair standing in for Clerk's, and tokens signed the way Clerk signs them. */
export async function createTokenKit(): Promise<TokenKit> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  return {
    publicKeyPem: await exportSPKI(publicKey),
    jwks: { keys: [jwk] },
    sign: async (sub, { expiresIn = '60s', issuer = ISSUER, ...claims } = {}) =>
      new SignJWT({ azp: APP_ORIGIN, sid: 'sess_test', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
    signRaw: async (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' }).sign(privateKey),
  };
}
