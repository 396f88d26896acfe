import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { sendDigestEmail, type DigestSenderDeps, type SendDigestOutcome } from '../../email/digest/send.js';
import { UUID } from '../registry.js';

export interface SendDigestDeps extends DigestSenderDeps {
  /** Pauses the digests worker (the provider's rate limit), without spending the job's attempts. */
  rateLimit: (ms: number) => Promise<void>;
}

function parseSendDigest(data: unknown): { digestRunId: string; userId: string } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { digestRunId, userId } = data as Record<string, unknown>;
  if (typeof digestRunId !== 'string' || !UUID.test(digestRunId) || typeof userId !== 'string') return null;
  return { digestRunId, userId };
}

/**
 * send-digest — purpose: send one digest the digest run rendered (sendDigestEmail decides and
 * records what becomes of it).
 * Input: { digestRunId, userId } (ids only: the bytes and the address live in the delivery log row).
 * Output: what happened. A provider's rate limit pauses the worker without spending an attempt; a
 * provider failure is retried, or fails the job for good.
 */
export async function sendDigest(deps: SendDigestDeps, job: Job): Promise<SendDigestOutcome> {
  const payload = parseSendDigest(job.data);
  if (!payload) throw new UnrecoverableError('send-digest: malformed payload');
  const fate = await sendDigestEmail(deps, payload.digestRunId);
  if (fate.kind === 'done') return fate.outcome;
  await deps.rateLimit(fate.retryAfterMs);
  throw Worker.RateLimitError();
}
