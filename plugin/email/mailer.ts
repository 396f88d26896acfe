/** One email, rendered and ready: the same bytes on every attempt (no timestamp of the attempt). */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
}

export interface ProviderError {
  status: number | null;
  name: string;
  message: string;
}

/** What a send attempt came to, classified by what the provider's answer means for a retry. */
export type SendOutcome =
  | { kind: 'sent'; providerId: string }
  | { kind: 'rate-limited'; retryAfterSeconds: number; error: ProviderError }
  | { kind: 'transient'; error: ProviderError }
  | { kind: 'permanent'; alert: boolean; error: ProviderError }
  | { kind: 'quota-exhausted'; scope: 'daily' | 'monthly'; error: ProviderError };

/** Sends one email. Never throws for a provider's answer: every answer is an outcome. */
export interface Mailer {
  /** Every attempt of one email carries the same key, so the provider sends it at most once. */
  send(email: OutgoingEmail, idempotencyKey: string): Promise<SendOutcome>;
}
