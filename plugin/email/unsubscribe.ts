import { createHmac, randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'tresta-unsubscribe';

/** What an unsubscribe token turns off: one type's email, or all email when `type` is null. */
export interface UnsubscribeScope {
  userId: string;
  type: string | null;
}

/**
 * Signed one-click unsubscribe links (RFC 8058). The token is an HS256 JWS (jose) naming the
 * user and, optionally, the type; it has no expiry and no issue time, so the same email renders
 * the same bytes on every attempt (its Idempotency-Key depends on that). Only a holder of the
 * secret can mint one, so the endpoint needs no other authentication.
 */
export class UnsubscribeLinks {
  readonly #secret: Uint8Array;
  readonly #endpoint: string;

  constructor(secret: Uint8Array, endpoint: string) {
    this.#secret = secret;
    this.#endpoint = endpoint;
  }

  async forUser(userId: string, type?: string): Promise<{ url: string; headers: Record<string, string> }> {
    const token = await new SignJWT(type ? { type } : {})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .sign(this.#secret);
    const url = new URL(this.#endpoint);
    url.searchParams.set('token', token);
    return {
      url: url.toString(),
      headers: { 'List-Unsubscribe': `<${url.toString()}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }

  /** The scope a genuine token grants, or null for a forged, tampered or malformed one. */
  async verify(token: string): Promise<UnsubscribeScope | null> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, { algorithms: ['HS256'], audience: AUDIENCE });
      if (typeof payload.sub !== 'string' || payload.sub === '') return null;
      if (payload.type !== undefined && typeof payload.type !== 'string') return null;
      return { userId: payload.sub, type: payload.type ?? null };
    } catch {
      return null;
    }
  }
}

/**
 * The signing secret: the one configured, else one derived from the Resend API key (stable across
 * every process of a deployment, and as secret as the key). Without either, emails only reach the
 * local mailbox, and a per-process secret keeps links valid while that process runs.
 */
export function unsubscribeSecret(
  configured: string | null,
  resendApiKey: string | null,
): { secret: Uint8Array; ephemeral: boolean } {
  if (configured) return { secret: new TextEncoder().encode(configured), ephemeral: false };
  if (resendApiKey) {
    return { secret: createHmac('sha256', resendApiKey).update('tresta unsubscribe links').digest(), ephemeral: false };
  }
  return { secret: randomBytes(32), ephemeral: true };
}

/** The links of this process, from the email options; warns once when they cannot outlive it. */
export function createUnsubscribeLinks(
  email: { unsubscribeSecret: string | null; resendApiKey: string | null; unsubscribeUrl: string },
  log: { warn: (msg: string) => void },
): UnsubscribeLinks {
  const { secret, ephemeral } = unsubscribeSecret(email.unsubscribeSecret, email.resendApiKey);
  if (ephemeral)
    log.warn('tresta: no email.unsubscribeSecret (UNSUBSCRIBE_SECRET): unsubscribe links last only as long as this process');
  return new UnsubscribeLinks(secret, email.unsubscribeUrl);
}
