import { exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';

/** The people you can sign in as; Grace is the operator. */
export const USERS = {
  ada: { name: 'Ada Lovelace', admin: false },
  alan: { name: 'Alan Turing', admin: false },
  grace: { name: 'Grace Hopper', admin: true },
} as const;
export type DemoUser = keyof typeof USERS;

export function isDemoUser(id: string): id is DemoUser {
  return Object.hasOwn(USERS, id);
}

export const ISSUER = 'https://demo.tresta.local';

export interface SessionSigner {
  /** The PEM the plugin's `auth.jwt` verifies with. */
  publicKeyPem: string;
  sign: (user: DemoUser) => Promise<string>;
  /** The user a token was signed for, or undefined. */
  verify: (token: string) => Promise<string | undefined>;
}

/**
 * Session tokens signed by a key made at start-up and checked by the same `auth.jwt` path production
 * uses (RS256, issuer, admin claim): only the signer is a stand-in for Clerk.
 */
export async function createSessionSigner(): Promise<SessionSigner> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return {
    publicKeyPem: await exportSPKI(publicKey),
    sign: (user) =>
      new SignJWT({ name: USERS[user].name, ...(USERS[user].admin ? { role: 'admin' } : {}) })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject(user)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    verify: (token) =>
      jwtVerify(token, publicKey, { issuer: ISSUER, algorithms: ['RS256'] }).then(
        ({ payload }) => payload.sub,
        () => undefined,
      ),
  };
}
