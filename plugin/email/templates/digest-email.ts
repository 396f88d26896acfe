import type { OutgoingEmail } from '../mailer.js';
import { headerText } from '../headers.js';
import type { Brand } from './brand.js';
import { escapeHtml, safeUrl } from './escape.js';
import { htmlLayout, textFooter } from './layout.js';

/** A digest lists at most this many notifications, newest first; the rest are counted. */
export const DIGEST_LIST_LIMIT = 20;

export interface DigestEmailItem {
  title: string;
  message: string;
  link: string | null;
}

export interface DigestEmailInput {
  brand: Brand;
  appUrl: string;
  from: string;
  to: string;
  /** The digest's row: it names the email at the provider (X-Entity-Ref-ID). */
  digestRunId: string;
  period: 'daily' | 'weekly';
  /** Newest first, at most DIGEST_LIST_LIMIT. */
  items: DigestEmailItem[];
  /** Every notification of the digest's window, listed or not. */
  total: number;
  /** The one-click unsubscribe link (RFC 8058 headers and a visible link) that turns all email off. */
  unsubscribe: { url: string; headers: Record<string, string> };
}

const plural = (count: number) => `${count} new notification${count === 1 ? '' : 's'}`;

function itemHtml(item: DigestEmailItem, appUrl: string): string {
  const link = safeUrl(item.link, appUrl);
  const title = link
    ? `<a href="${escapeHtml(link)}" style="color:#18181b;font-weight:600;text-decoration:none;">${escapeHtml(item.title)}</a>`
    : `<span style="font-weight:600;">${escapeHtml(item.title)}</span>`;
  return `<tr><td style="padding:12px 0;border-bottom:1px solid #e4e4e7;">${title}
<div style="margin-top:4px;color:#52525b;white-space:pre-line;">${escapeHtml(item.message)}</div></td></tr>`;
}

function itemText(item: DigestEmailItem, appUrl: string): string[] {
  const link = safeUrl(item.link, appUrl);
  return [`- ${item.title}`, ...item.message.split('\n').map((line) => `  ${line}`), ...(link ? [`  ${link}`] : []), ''];
}

/**
 * The daily or weekly digest: one email listing a user's non-critical notifications since their
 * last digest. Deterministic (no time of the attempt in it): a digest rendered again after a crash
 * carries the same bytes under the same Idempotency-Key, so the provider sends it once.
 */
export function renderDigestEmail(input: DigestEmailInput): OutgoingEmail {
  const { brand, unsubscribe } = input;
  const settingsUrl = new URL('/', input.appUrl).toString();
  const heading = `Your ${input.period} digest`;
  const more = input.total - input.items.length;
  const moreLine = more > 0 ? `And ${more} more in ${brand.name}.` : null;
  const html = htmlLayout(brand, {
    preheader: `${plural(input.total)} since your last digest`,
    contentHtml: `<h1 style="margin:0 0 4px;font-size:20px;line-height:1.3;">${escapeHtml(heading)}</h1>
<p style="margin:0 0 12px;color:#52525b;">${escapeHtml(plural(input.total))} since your last digest.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0">${input.items.map((item) => itemHtml(item, input.appUrl)).join('\n')}</table>
${moreLine ? `<p style="margin:16px 0 0;color:#52525b;">${escapeHtml(moreLine)}</p>` : ''}<p style="margin:24px 0 0;"><a href="${escapeHtml(settingsUrl)}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:${escapeHtml(brand.primaryColor)};color:#ffffff;text-decoration:none;font-weight:600;">Open ${escapeHtml(brand.name)}</a></p>`,
    footerHtml: `You receive this ${escapeHtml(input.period)} digest because email is on in your ${escapeHtml(brand.name)} notification settings.
<a href="${escapeHtml(unsubscribe.url)}" style="color:#71717a;">Unsubscribe from these emails</a> or manage your settings at <a href="${escapeHtml(settingsUrl)}" style="color:#71717a;">${escapeHtml(settingsUrl)}</a>.`,
  });
  const text = [
    heading,
    `${plural(input.total)} since your last digest.`,
    '',
    ...input.items.flatMap((item) => itemText(item, input.appUrl)),
    ...(moreLine ? [moreLine, ''] : []),
    `Open ${brand.name}: ${settingsUrl}`,
    ...textFooter(
      [
        `You receive this ${input.period} digest because email is on in your ${brand.name} notification settings.`,
        `Unsubscribe: ${unsubscribe.url}`,
      ],
      settingsUrl,
    ),
  ].join('\n');
  return {
    from: input.from,
    to: input.to,
    subject: headerText(`${heading}: ${plural(input.total)}`),
    html,
    text,
    headers: { 'X-Entity-Ref-ID': input.digestRunId, ...unsubscribe.headers },
    tags: [
      { name: 'category', value: 'digest' },
      { name: 'period', value: input.period },
    ],
  };
}
