import type { MikroORM } from '@mikro-orm/postgresql';
import type { Alerter } from '../alerts/alerter.js';
import type { QuotaGuard } from '../quota/quota-guard.js';
import { createMailboxMailer } from './mailbox-mailer.js';
import type { Mailer } from './mailer.js';
import { isMailboxAddress } from './headers.js';
import { createResendMailer } from './resend-mailer.js';
import type { EmailSettings } from './settings.js';
import type { Brand } from './templates/brand.js';
import type { UnsubscribeLinks } from './unsubscribe.js';

/** Everything that sends an email needs: the immediate emails' worker and the digest alike. */
export interface EmailChannel {
  mailer: Mailer;
  quota: QuotaGuard;
  unsubscribe: UnsubscribeLinks;
  alerter: Alerter;
  brand: Brand;
  from: string;
  appUrl: string;
  /** Where a user's email goes; null when the host knows no address, or gave one that is not a single plain address. */
  resolveRecipient: (userId: string) => Promise<{ email: string; name?: string } | null>;
}

/**
 * The email channel of a worker process, or null when it is off: the host has not said where a
 * user's email goes (`email.resolveRecipient`). Real sends go through Resend only when enabled
 * with a key; otherwise every email is rendered and kept in the local mailbox.
 */
export function createEmailChannel(deps: {
  options: { email: EmailSettings; appUrl: string };
  orm: MikroORM;
  quota: QuotaGuard;
  alerter: Alerter;
  unsubscribe: UnsubscribeLinks;
}): EmailChannel | null {
  const { email } = deps.options;
  const { resolveRecipient } = email;
  if (!resolveRecipient) return null;
  return {
    mailer:
      email.enabled && email.resendApiKey ? createResendMailer(email.resendApiKey, email.baseUrl) : createMailboxMailer(deps.orm),
    quota: deps.quota,
    unsubscribe: deps.unsubscribe,
    alerter: deps.alerter,
    brand: email.brand,
    from: email.from,
    appUrl: deps.options.appUrl,
    // An address with a comma, a space or a second `@` could reach more than one inbox: it is not used.
    resolveRecipient: async (userId) => {
      const recipient = await resolveRecipient(userId);
      return recipient && isMailboxAddress(recipient.email) ? recipient : null;
    },
  };
}
