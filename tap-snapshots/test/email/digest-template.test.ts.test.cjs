/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/email/digest-template.test.ts > TAP > the digest email: HTML and text, as a snapshot; subject, headers and tags > html 1`] = `
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Tresta</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b;">
<div style="display:none;max-height:0;overflow:hidden;">3 new notifications since your last digest</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;border-top:4px solid #4f46e5;">
<tr><td style="padding:24px 32px 8px;"><span style="font-size:18px;font-weight:700;color:#4f46e5;">Tresta</span></td></tr>
<tr><td style="padding:8px 32px 24px;font-size:15px;line-height:1.5;"><h1 style="margin:0 0 4px;font-size:20px;line-height:1.3;">Your daily digest</h1>
<p style="margin:0 0 12px;color:#52525b;">3 new notifications since your last digest.</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td style="padding:12px 0;border-bottom:1px solid #e4e4e7;"><a href="https://tresta.app/testimonials/42?x=%3Cy%3E" style="color:#18181b;font-weight:600;text-decoration:none;">New testimonial from &quot;Grace&quot; &lt;Hopper&gt;</a>
<div style="margin-top:4px;color:#52525b;white-space:pre-line;">Five stars.
Would buy again &amp; again.</div></td></tr>
<tr><td style="padding:12px 0;border-bottom:1px solid #e4e4e7;"><a href="https://tresta.app/wall" style="color:#18181b;font-weight:600;text-decoration:none;">Testimonial approved</a>
<div style="margin-top:4px;color:#52525b;white-space:pre-line;">It is live on your wall.</div></td></tr>
<tr><td style="padding:12px 0;border-bottom:1px solid #e4e4e7;"><span style="font-weight:600;">Testimonial rejected</span>
<div style="margin-top:4px;color:#52525b;white-space:pre-line;">Spam.</div></td></tr></table>
<p style="margin:24px 0 0;"><a href="https://tresta.app/" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#4f46e5;color:#ffffff;text-decoration:none;font-weight:600;">Open Tresta</a></p></td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:1.5;color:#71717a;">You receive this daily digest because email is on in your Tresta notification settings.
<a href="https://tresta.app/api/notifications/unsubscribe?token=eyJhbGciOiJIUzI1NiJ9.e30.sig" style="color:#71717a;">Unsubscribe from these emails</a> or manage your settings at <a href="https://tresta.app/" style="color:#71717a;">https://tresta.app/</a>.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>

`

exports[`test/email/digest-template.test.ts > TAP > the digest email: HTML and text, as a snapshot; subject, headers and tags > text 1`] = `
Your daily digest
3 new notifications since your last digest.

- New testimonial from "Grace" <Hopper>
  Five stars.
  Would buy again & again.
  https://tresta.app/testimonials/42?x=%3Cy%3E

- Testimonial approved
  It is live on your wall.
  https://tresta.app/wall

- Testimonial rejected
  Spam.

Open Tresta: https://tresta.app/

--
You receive this daily digest because email is on in your Tresta notification settings.
Unsubscribe: https://tresta.app/api/notifications/unsubscribe?token=eyJhbGciOiJIUzI1NiJ9.e30.sig
Manage your notification settings at https://tresta.app/

`
