import { createHmac, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/** What an unsubscribe token turns off: one type's email, or all email when `type` is null. */
export interface UnsubscribeScope {
  userId: string;
  type: string | null;
}

/** What a token presented at the endpoint turned out to be. */
export type UnsubscribeVerdict = { kind: 'valid'; scope: UnsubscribeScope } | { kind: 'expired' } | { kind: 'invalid' };

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Signed one-click unsubscribe links (RFC 8058). The token is an HS256 JWS (jose) naming the
 * user and, optionally, the type, for this deployment's endpoint (`aud`). It expires a fixed
 * number of days after the instant the caller names: one that every attempt at the same email
 * names alike (a notification's creation; a digest's first rendering, whose bytes are kept and
 * sent again), so the same email carries the same bytes on every attempt (its Idempotency-Key
 * depends on that). Only a holder of the secret can mint one, so the endpoint needs no other
 * authentication.
 */
export class UnsubscribeLinks {
  readonly #secret: Uint8Array;
  readonly #endpoint: string;
  readonly #lifetimeSeconds: number;

  constructor(secret: Uint8Array, endpoint: string, lifetimeDays: number) {
    this.#secret = secret;
    this.#endpoint = endpoint;
    this.#lifetimeSeconds = lifetimeDays * DAY_SECONDS;
  }

  async forUser(
    userId: string,
    { type, issuedAt }: { type?: string; issuedAt: Date },
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const token = await new SignJWT(type ? { type } : {})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience(this.#endpoint)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.#lifetimeSeconds)
      .sign(this.#secret);
    const url = new URL(this.#endpoint);
    url.searchParams.set('token', token);
    return {
      url: url.toString(),
      headers: { 'List-Unsubscribe': `<${url.toString()}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }

  /** The scope a genuine, current token grants; expired, or invalid for a forged, tampered or malformed one. */
  async verify(token: string): Promise<UnsubscribeVerdict> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: ['HS256'],
        audience: this.#endpoint,
        requiredClaims: ['exp'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') return { kind: 'invalid' };
      if (payload.type !== undefined && typeof payload.type !== 'string') return { kind: 'invalid' };
      return { kind: 'valid', scope: { userId: payload.sub, type: payload.type ?? null } };
    } catch (error) {
      return error instanceof joseErrors.JWTExpired ? { kind: 'expired' } : { kind: 'invalid' };
    }
  }
}

/**
 * The signing secret: the one configured, else one derived from the Resend API key and this
 * deployment's endpoint (stable across every process of a deployment, as secret as the key, and
 * different for two deployments that share a key). Without either, emails only reach the local
 * mailbox, and a per-process secret keeps links valid while that process runs.
 */
export function unsubscribeSecret(
  configured: string | null,
  resendApiKey: string | null,
  endpoint: string,
): { secret: Uint8Array; ephemeral: boolean } {
  if (configured) return { secret: new TextEncoder().encode(configured), ephemeral: false };
  if (resendApiKey) {
    return {
      secret: createHmac('sha256', resendApiKey).update(`tresta unsubscribe links for ${endpoint}`).digest(),
      ephemeral: false,
    };
  }
  return { secret: randomBytes(32), ephemeral: true };
}

/** The links of this process, from the email options; warns once when they cannot outlive it. */
export function createUnsubscribeLinks(
  email: { unsubscribeSecret: string | null; resendApiKey: string | null; unsubscribeUrl: string; unsubscribeLinkDays: number },
  log: { warn: (msg: string) => void },
): UnsubscribeLinks {
  const { secret, ephemeral } = unsubscribeSecret(email.unsubscribeSecret, email.resendApiKey, email.unsubscribeUrl);
  if (ephemeral)
    log.warn('tresta: no email.unsubscribeSecret (UNSUBSCRIBE_SECRET): unsubscribe links last only as long as this process');
  return new UnsubscribeLinks(secret, email.unsubscribeUrl, email.unsubscribeLinkDays);
}
