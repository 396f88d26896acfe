import type { FastifyRequest } from 'fastify';

/** Who is calling, as established by `auth`: the only source of a user id. */
export interface AuthenticatedUser {
  userId: string;
  email?: string;
  isAdmin: boolean;
  /** When the credential stops vouching for the user (epoch ms); a WebSocket is closed then. */
  expiresAt?: number;
}

/** Clerk-compatible RS256 session tokens: where their keys come from and which claims they must carry. */
export interface JwtAuthOptions {
  /** Where the RS256 public keys are published (Clerk: https://<frontend-api>/.well-known/jwks.json). */
  jwksUrl?: string;
  /** Or a PEM public key, for verification without the network. */
  publicKey?: string;
  /** The `iss` a token must carry; left out, any issuer is accepted. */
  issuer?: string;
  /** Origins accepted in the `azp` claim; a token without `azp` is accepted. */
  authorizedParties?: string[];
  /**
   * The claim (a dot path, e.g. `metadata.role`) that makes a user an admin when it equals, or contains, adminRole.
   * @defaultValue 'role'
   */
  adminClaim?: string;
  /**
   * The value of `adminClaim` that makes a user an admin.
   * @defaultValue 'admin'
   */
  adminRole?: string;
  /**
   * Seconds of clock skew tolerated on exp/nbf.
   * @defaultValue 5
   */
  clockToleranceSeconds?: number;
}

/** The host's own authentication: the caller of a request, or null when it has no valid credential. */
export type AuthenticateFunction = (request: FastifyRequest) => Promise<AuthenticatedUser | null>;

/** `auth.jwt` once defaulted: the admin claim, its role and the clock tolerance are always set. */
export type JwtSettings = Required<Pick<JwtAuthOptions, 'adminClaim' | 'adminRole' | 'clockToleranceSeconds'>> & JwtAuthOptions;

/** The resolved `auth` option: session tokens the plugin verifies, or the host's own scheme. */
export type AuthSettings = { kind: 'jwt'; jwt: JwtSettings } | { kind: 'custom'; authenticate: AuthenticateFunction };
