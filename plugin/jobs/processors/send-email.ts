import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { sendNotificationEmail, type NotificationEmailDeps, type SendEmailOutcome } from '../../email/send-notification-email.js';
import { parseDeliverNotification } from '../registry.js';

export interface SendEmailDeps extends NotificationEmailDeps {
  /** Pauses the email worker (the provider's rate limit), without spending the job's attempts. */
  rateLimit: (ms: number) => Promise<void>;
}

/**
 * send-email — purpose: email one notification (sendNotificationEmail decides and records what
 * becomes of it). Input: { notificationId, userId }.
 * An email that has to wait is delayed until then, and a provider's rate limit pauses the worker,
 * neither spending an attempt; a provider failure is retried, or fails the job for good.
 */
export async function sendEmail(deps: SendEmailDeps, job: Job, token: string | undefined): Promise<SendEmailOutcome> {
  const payload = parseDeliverNotification(job.data);
  if (!payload) throw new UnrecoverableError('send-email: malformed payload');
  const fate = await sendNotificationEmail(deps, payload);
  switch (fate.kind) {
    case 'done':
      return fate.outcome;
    case 'wait':
      await job.moveToDelayed(fate.until, token);
      throw new DelayedError();
    case 'rate-limited':
      await deps.rateLimit(fate.retryAfterMs);
      throw Worker.RateLimitError();
  }
}
