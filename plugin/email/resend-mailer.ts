import { Resend } from 'resend';
import { classifyResendError } from './classify-resend.js';
import type { Mailer } from './mailer.js';

// The SDK sets no timeout of its own: a Resend that never answers would hold the job (and its
// quota reservation) until Node gives up minutes later. Aborted, the attempt is a network failure: retried.
const REQUEST_TIMEOUT_MS = 30_000;

/** Sends through Resend's SDK, which never throws on HTTP errors and never retries by itself. */
export function createResendMailer(apiKey: string, baseUrl: string): Mailer {
  const resend = new Resend(apiKey, { baseUrl });
  return {
    send: async (email, idempotencyKey) => {
      const { data, error, headers } = await resend.emails.send(
        {
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers: email.headers,
          tags: email.tags,
        },
        { idempotencyKey, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      );
      if (data) return { kind: 'sent', providerId: data.id };
      return classifyResendError(
        { status: error?.statusCode ?? null, name: error?.name ?? 'unknown', message: error?.message ?? '' },
        headers?.['retry-after'] ?? null,
      );
    },
  };
}
