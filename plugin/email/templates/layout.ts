import type { Brand } from './brand.js';
import { escapeHtml } from './escape.js';

/** The branded frame every email shares: header, the content given, a footer. Table layout, inline styles. */
export function htmlLayout(brand: Brand, input: { preheader: string; contentHtml: string; footerHtml: string }): string {
  const color = escapeHtml(brand.primaryColor);
  const logo = brand.logoUrl
    ? `<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)}" height="28" style="display:block;border:0;">`
    : `<span style="font-size:18px;font-weight:700;color:${color};">${escapeHtml(brand.name)}</span>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(brand.name)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b;">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(input.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid ${color};">
<tr><td style="padding:24px 32px 8px;">${logo}</td></tr>
<tr><td style="padding:8px 32px 24px;font-size:15px;line-height:1.5;">${input.contentHtml}</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:1.5;color:#71717a;">${input.footerHtml}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/** The plain-text part's footer: why the reader gets this email, then where to change that. */
export function textFooter(why: readonly string[], settingsUrl: string): string[] {
  return ['', '--', ...why, `Manage your notification settings at ${settingsUrl}`, ''];
}
