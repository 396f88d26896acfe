import { readFile, readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import t from 'tap';

// Budgets of the built widget (npm run build:widget, run by pretest). Sizes are deterministic, so the
// budget is a test rather than a benchmark.
const KIB = 1024;
const INITIAL_BUDGET = 12 * KIB;
const ABLY_BUDGET = 37 * KIB;
const DIST = new URL('../../dist/widget/', import.meta.url);

const gzipped = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

t.test('the initial chunk, Lit included and Ably excluded, is at most 12 KiB gzip', async (t) => {
  const entry = await readFile(new URL('widget.js', DIST));
  const size = gzipped(entry);
  t.ok(size <= INITIAL_BUDGET, `widget.js is ${(size / KIB).toFixed(2)} KiB gzip (budget 12 KiB)`);
  const text = entry.toString('utf8');
  t.notOk(/ably\.(com|net|io)|ably-js/i.test(text), 'no Ably SDK code in the initial chunk');
  t.ok(/import\("\.\/widget\/ably-transport-[\w-]+\.js"\)/.test(text), 'Ably is a dynamic import of its own chunk');
  t.notOk(/(^|[;}])import\s*[{*\w]/.test(text), 'no static import: one request loads the widget');
  // The rest waits until it is needed: the model and the real-time stack for credentials, the center
  // for the bell, toasts for the first notification.
  for (const lazy of ['notifications-model', 'realtime-stack', 'center-host', 'tresta-toasts']) {
    t.match(text, new RegExp(`import\\("\\./widget/${lazy}-[\\w-]+\\.js"\\)`), `${lazy} is a lazy chunk`);
  }
  t.notOk(text.includes('"tresta-toasts",'), 'the toasts element is not defined by the initial chunk');
});

t.test('the lazily loaded Ably chunk is at most 37 KiB gzip', async (t) => {
  const chunks = await readdir(new URL('widget/', DIST));
  const ably = chunks.find((name) => name.startsWith('ably-transport-'));
  t.ok(ably, 'the Ably chunk exists');
  const size = gzipped(await readFile(new URL(`widget/${ably}`, DIST)));
  t.ok(size <= ABLY_BUDGET, `${ably} is ${(size / KIB).toFixed(2)} KiB gzip (budget 37 KiB)`);
});
