import t from 'tap';
import { safeHref } from '../../../widget/client/safe-link.js';

const BASE = 'https://tresta.test/dashboard';

t.test('http(s) URLs and same-site paths become links', async (t) => {
  t.equal(safeHref('/testimonials/42', BASE), 'https://tresta.test/testimonials/42');
  t.equal(safeHref('https://example.com/a?b=1#c', BASE), 'https://example.com/a?b=1#c');
  t.equal(safeHref('HTTP://example.com/', BASE), 'http://example.com/');
});

t.test('everything else never becomes clickable', async (t) => {
  const hostile = [
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '\u0000javascript:alert(1)',
    'javascript&colon;alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    '//evil.example/path',
    '/\\evil.example',
    '\\\\evil.example',
    'relative/path',
    'mailto:a@b.c',
    'https://',
    '',
    null,
    undefined,
  ];
  for (const link of hostile) t.equal(safeHref(link, BASE), null, JSON.stringify(link));
});
