// The docs against the code: every error code the plugin can answer with, every field of its options
// type and every route a real app registers is documented, and every relative link and anchor in
// README.md and docs/*.md resolves. A new option, route or error code fails here until it is written up.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import GithubSlugger from 'github-slugger';
import { Lexer, walkTokens, type Token, type Tokens } from 'marked';
import t from 'tap';
import trestaNotifications from '../../plugin/index.js';
import * as errors from '../../plugin/errors.js';
import { createTestDatabase } from '../helpers/database.js';
import { optionNames } from '../helpers/option-fields.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER } from '../helpers/tokens.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFile(join(root, path), 'utf8');

/** README.md and every page under docs/, as paths from the repository's root. */
async function markdownFiles(): Promise<string[]> {
  const pages = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', ...pages.sort()];
}

/** A heading's text as GitHub renders it (code spans and emphasis reduced to their text). */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) => ('tokens' in token && token.tokens ? plainText(token.tokens) : 'text' in token ? String(token.text) : ''))
    .join('');
}

/** What one Markdown file offers and points at: its headings' anchors, and its links' and images' targets. */
function parseMarkdown(text: string): { anchors: Set<string>; targets: string[] } {
  const tokens = new Lexer().lex(text);
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const targets: string[] = [];
  walkTokens(tokens, (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
    if (token.type === 'link' || token.type === 'image') targets.push((token as Tokens.Link | Tokens.Image).href);
  });
  return { anchors, targets };
}

t.test('every relative link and anchor in README.md and docs/*.md resolves', async (t) => {
  const files = await markdownFiles();
  const parsed = new Map(await Promise.all(files.map(async (file) => [file, parseMarkdown(await read(file))] as const)));
  const broken: string[] = [];
  let checked = 0;
  for (const [file, { targets }] of parsed) {
    for (const target of targets) {
      // Another site (http:, https:, mailto:) is not ours to check.
      if (/^[a-z][a-z\d+.-]*:|^\/\//i.test(target)) continue;
      checked++;
      const [path = '', anchor] = target.split('#');
      const to = path === '' ? file : relative(root, resolve(root, dirname(file), decodeURIComponent(path)));
      if (!existsSync(join(root, to))) {
        broken.push(`${file}: ${target} (no file ${to})`);
        continue;
      }
      if (anchor === undefined) continue;
      const anchors = parsed.get(to)?.anchors ?? (to.endsWith('.md') ? parseMarkdown(await read(to)).anchors : undefined);
      if (!anchors?.has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor} in ${to})`);
    }
  }
  t.same(broken, [], 'no broken link');
  t.ok(checked > 100, `the links were found (${checked} checked)`);
});

t.test("README.md's Documentation section links every page in docs/", async (t) => {
  const readme = await read('README.md');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Documentation\n')) ?? '';
  const linked = new Set(parseMarkdown(section).targets.map((target) => target.split('#')[0]));
  const pages = (await markdownFiles()).filter((file) => file !== 'README.md');
  t.same(
    pages.filter((page) => !linked.has(page)),
    [],
    'no page left out',
  );
});

/** The error table of docs/routes-and-errors.md: code → the Status column. */
async function documentedErrors(): Promise<Map<string, string>> {
  const page = await read('docs/routes-and-errors.md');
  return new Map([...page.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((row) => [row[1]!, row[2]!.trim()]));
}

t.test('every TRESTA_ERR_ code of the plugin is in the error table of docs/routes-and-errors.md', async (t) => {
  const table = await documentedErrors();
  // Codes written as string literals anywhere in the plugin: the catalog, and those answered directly.
  const codes = new Set<string>();
  for (const path of await readdir(join(root, 'plugin'), { recursive: true })) {
    if (!path.endsWith('.ts')) continue;
    for (const match of (await read(`plugin/${path}`)).matchAll(/['"`](TRESTA_ERR_[A-Z\d_]+)['"`]/g)) codes.add(match[1]!);
  }
  t.ok(codes.size >= 30, `the codes were found (${codes.size})`);
  t.same([...codes].filter((code) => !table.has(code)).sort(), [], 'no code left out');

  // Each catalog error's status is the one documented ("—": thrown at register, never answered).
  const wrong: string[] = [];
  for (const [name, value] of Object.entries(errors)) {
    if (typeof value !== 'function') continue;
    const error = new (value as new (...args: string[]) => { code: string; statusCode: number })('x', 'y');
    const documented = table.get(error.code);
    if (documented !== '—' && documented !== String(error.statusCode))
      wrong.push(`${name}: ${error.code} is ${error.statusCode}, documented as ${documented}`);
  }
  t.same(wrong, [], 'every catalog status as documented');
});

t.test('every field of TrestaNotificationsOptions is in docs/options.md', async (t) => {
  const page = await read('docs/options.md');
  const names = optionNames();
  t.ok(names.includes('database.directUrl'), 'nested fields are named by their path');
  t.ok(names.includes('types.<NAME>.escalateAfterMinutes'), "a notification type's fields are named under <NAME>");
  t.ok(names.includes('schedules.digest'), 'the scheduled jobs are named');
  t.notOk(
    names.some(
      (name) => name.startsWith('redis.sentinel.') && !['redis.sentinel.sentinels', 'redis.sentinel.name'].includes(name),
    ),
    "ioredis' own options are not walked",
  );
  t.same(
    names.filter((name) => !page.includes(`\`${name}\``)),
    [],
    'no option left out (each written in full, in backticks)',
  );
});

t.test('every route a real app registers is in docs/routes-and-errors.md', async (t) => {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  const routes = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(`${method} ${route.url}`);
  });
  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-docs-${process.pid}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: APP_ORIGIN,
    workers: false,
  });
  await app.ready();

  const page = await read('docs/routes-and-errors.md');
  t.ok(
    routes.has('GET /api/notifications') && routes.has('POST /admin/jobs/:name/run'),
    `the routes were found (${routes.size})`,
  );
  // Written in a code span as `METHOD /path`, the path ending there or at its query string.
  const documented = (route: string) =>
    new RegExp('`' + route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?:[`?]|\\s)').test(page);
  t.same([...routes].filter((route) => !documented(route)).sort(), [], 'no route left out');
});
