import type { NotificationContent } from '../../contract/index.js';
import type { OutgoingEmail } from '../mailer.js';
import { headerText } from '../headers.js';
import type { Brand } from './brand.js';
import { escapeHtml, safeUrl } from './escape.js';
import { htmlLayout, textFooter } from './layout.js';

export interface NotificationEmailInput {
  brand: Brand;
  appUrl: string;
  from: string;
  to: string;
  /** Its buttons (at most 2) come before the "View in" one. */
  notification: Omit<NotificationContent, 'actions'> & Partial<Pick<NotificationContent, 'actions'>>;
  /**
   * The one-click unsubscribe link of a non-critical email (RFC 8058 headers and a visible link);
   * null for a critical one, which the user cannot opt out of by email.
   */
  unsubscribe: { url: string; headers: Record<string, string> } | null;
}

/**
 * The email for one notification (a critical type, or a normal one sent singly). Deterministic:
 * the same input renders the same bytes, so every attempt matches its Idempotency-Key at the provider.
 */
export function renderNotificationEmail(input: NotificationEmailInput): OutgoingEmail {
  const { brand, notification, unsubscribe } = input;
  const link = safeUrl(notification.link, input.appUrl);
  const settingsUrl = new URL('/', input.appUrl).toString();
  // Each action's url was allow-listed by notify(); safeUrl makes it absolute and drops anything else.
  const actions = (notification.actions ?? []).flatMap((action) => {
    const url = safeUrl(action.url, input.appUrl);
    return url ? [{ ...action, url }] : [];
  });
  const color = escapeHtml(brand.primaryColor);
  const actionButtons = actions
    .map((action) =>
      action.style === 'secondary'
        ? `<a href="${escapeHtml(action.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:9px 17px;border-radius:6px;border:1px solid ${color};color:${color};text-decoration:none;font-weight:600;">${escapeHtml(action.label)}</a>`
        : `<a href="${escapeHtml(action.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:10px 18px;border-radius:6px;background:${color};color:#ffffff;text-decoration:none;font-weight:600;">${escapeHtml(action.label)}</a>`,
    )
    .join('');
  const button = link
    ? `<p style="margin:24px 0 0;"><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:${color};color:#ffffff;text-decoration:none;font-weight:600;">View in ${escapeHtml(brand.name)}</a></p>`
    : '';
  const buttons = actionButtons ? `<p style="margin:24px 0 0;">${actionButtons}</p>${button}` : button;
  const html = htmlLayout(brand, {
    preheader: notification.message,
    contentHtml: `<h1 style="margin:0 0 12px;font-size:20px;line-height:1.3;">${escapeHtml(notification.title)}</h1>
<p style="margin:0;white-space:pre-line;">${escapeHtml(notification.message)}</p>${buttons}`,
    footerHtml: unsubscribe
      ? `You receive this email because email for these notifications is on in your ${escapeHtml(brand.name)} settings.
<a href="${escapeHtml(unsubscribe.url)}" style="color:#71717a;">Unsubscribe from these emails</a> or manage your settings at <a href="${escapeHtml(settingsUrl)}" style="color:#71717a;">${escapeHtml(settingsUrl)}</a>.`
      : `You receive this email because it is an important notice about your ${escapeHtml(brand.name)} account.
Manage your notification settings at <a href="${escapeHtml(settingsUrl)}" style="color:#71717a;">${escapeHtml(settingsUrl)}</a>.`,
  });
  const text = [
    notification.title,
    '',
    notification.message,
    ...(actions.length > 0 ? ['', ...actions.map((action) => `${action.label}: ${action.url}`)] : []),
    ...(link ? ['', `View in ${brand.name}: ${link}`] : []),
    ...textFooter(
      unsubscribe
        ? [
            `You receive this email because email for these notifications is on in your ${brand.name} settings.`,
            `Unsubscribe: ${unsubscribe.url}`,
          ]
        : [`You receive this email because it is an important notice about your ${brand.name} account.`],
      settingsUrl,
    ),
  ].join('\n');
  return {
    from: input.from,
    to: input.to,
    subject: headerText(notification.title),
    html,
    text,
    headers: { 'X-Entity-Ref-ID': notification.id, ...unsubscribe?.headers },
    tags: [
      { name: 'category', value: 'notification' },
      { name: 'type', value: notification.type },
    ],
  };
}
