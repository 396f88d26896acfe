/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/email/templates.test.ts > TAP > a non-critical email: RFC 8058 headers and a visible unsubscribe link, as a snapshot > html 1`] = `
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Tresta</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b;">
<div style="display:none;max-height:0;overflow:hidden;">If this was not you, reset your password.
IP 203.0.113.7</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid #4f46e5;">
<tr><td style="padding:24px 32px 8px;"><span style="font-size:18px;font-weight:700;color:#4f46e5;">Tresta</span></td></tr>
<tr><td style="padding:8px 32px 24px;font-size:15px;line-height:1.5;"><h1 style="margin:0 0 12px;font-size:20px;line-height:1.3;">Ada left 5 stars</h1>
<p style="margin:0;white-space:pre-line;">If this was not you, reset your password.
IP 203.0.113.7</p><p style="margin:24px 0 0;"><a href="https://tresta.app/settings/security?from=email&amp;x=%3Cy%3E" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#4f46e5;color:#ffffff;text-decoration:none;font-weight:600;">View in Tresta</a></p></td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:1.5;color:#71717a;">You receive this email because email for these notifications is on in your Tresta settings.
<a href="https://tresta.app/api/notifications/unsubscribe?token=abc.def.ghi" style="color:#71717a;">Unsubscribe from these emails</a> or manage your settings at <a href="https://tresta.app/" style="color:#71717a;">https://tresta.app/</a>.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>

`

exports[`test/email/templates.test.ts > TAP > a non-critical email: RFC 8058 headers and a visible unsubscribe link, as a snapshot > text 1`] = `
Ada left 5 stars

If this was not you, reset your password.
IP 203.0.113.7

View in Tresta: https://tresta.app/settings/security?from=email&x=%3Cy%3E

--
You receive this email because email for these notifications is on in your Tresta settings.
Unsubscribe: https://tresta.app/api/notifications/unsubscribe?token=abc.def.ghi
Manage your notification settings at https://tresta.app/

`

exports[`test/email/templates.test.ts > TAP > the notification email: HTML and text, as a snapshot > html 1`] = `
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Tresta</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b;">
<div style="display:none;max-height:0;overflow:hidden;">If this was not you, reset your password.
IP 203.0.113.7</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid #4f46e5;">
<tr><td style="padding:24px 32px 8px;"><span style="font-size:18px;font-weight:700;color:#4f46e5;">Tresta</span></td></tr>
<tr><td style="padding:8px 32px 24px;font-size:15px;line-height:1.5;"><h1 style="margin:0 0 12px;font-size:20px;line-height:1.3;">New sign-in from &quot;Firefox&quot; &lt;Linux&gt;</h1>
<p style="margin:0;white-space:pre-line;">If this was not you, reset your password.
IP 203.0.113.7</p><p style="margin:24px 0 0;"><a href="https://tresta.app/settings/security?from=email&amp;x=%3Cy%3E" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#4f46e5;color:#ffffff;text-decoration:none;font-weight:600;">View in Tresta</a></p></td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:1.5;color:#71717a;">You receive this email because it is an important notice about your Tresta account.
Manage your notification settings at <a href="https://tresta.app/" style="color:#71717a;">https://tresta.app/</a>.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>

`

exports[`test/email/templates.test.ts > TAP > the notification email: HTML and text, as a snapshot > text 1`] = `
New sign-in from "Firefox" <Linux>

If this was not you, reset your password.
IP 203.0.113.7

View in Tresta: https://tresta.app/settings/security?from=email&x=%3Cy%3E

--
You receive this email because it is an important notice about your Tresta account.
Manage your notification settings at https://tresta.app/

`
