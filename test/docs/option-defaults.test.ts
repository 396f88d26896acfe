// The options' own documentation against the docs and the code: every field of the public options
// says what it does in a doc comment, and every default it names (`@defaultValue`) is the one the
// table of docs/options.md shows and, where a resolved value stands for it, the one the resolver
// applies when the option is left out. A default changed in one place only fails here.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { Lexer, walkTokens, type Tokens } from 'marked';
import t from 'tap';
import ts from 'typescript';
import webpush from 'web-push';
import { SCHEDULED_JOBS, schedulesWith, type ScheduledJobName } from '../../plugin/jobs/scheduling/schedules.js';
import { typeMetadata } from '../../plugin/notification-types.js';
import { resolveOptions, type ResolvedOptions } from '../../plugin/startup/options.js';
import { optionFields } from '../helpers/option-fields.js';

interface FieldDoc {
  /** The doc comment's text, tags left out. */
  comment: string;
  /** The `@defaultValue` tag's text, when there is one. */
  defaultValue: string | undefined;
}

/** Each field of the host's options (the plugin's and a worker process's), with its doc comment. */
function documentedFields(): Map<string, FieldDoc> {
  const docs = new Map<string, FieldDoc>();
  for (const typeName of ['TrestaNotificationsOptions', 'WorkerProcessOptions']) {
    const { fields, checker } = optionFields(typeName);
    for (const { name, symbol } of fields) {
      const comment = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      const tag = symbol.getJsDocTags(checker).find((jsDocTag) => jsDocTag.name === 'defaultValue');
      const defaultValue = tag ? ts.displayPartsToString(tag.text).trim() : undefined;
      const known = docs.get(name);
      docs.set(name, { comment: known?.comment || comment, defaultValue: known?.defaultValue ?? defaultValue });
    }
  }
  return docs;
}

/** The "Every option" tables of docs/options.md: each option named in a row's first cell → the row's Default cell. */
async function documentedDefaults(): Promise<{ defaults: Map<string, string>; repeated: string[] }> {
  const page = await readFile(new URL('../../docs/options.md', import.meta.url), 'utf8');
  const defaults = new Map<string, string>();
  const repeated: string[] = [];
  walkTokens(new Lexer().lex(page), (token) => {
    if (token.type !== 'table') return;
    const table = token as Tokens.Table;
    if (table.header.map((cell) => cell.text).join('|') !== 'Option|Default|Meaning') return;
    for (const [options, defaultCell] of table.rows) {
      for (const [, name] of (options?.text ?? '').matchAll(/`([^`]+)`/g)) {
        if (name === undefined) continue;
        if (defaults.has(name)) repeated.push(name);
        defaults.set(name, (defaultCell?.text ?? '').trim());
      }
    }
  });
  return { defaults, repeated };
}

/** A Default cell that says the option has no default: it is required, or its absence is the behaviour. */
const NO_DEFAULT = /^(—|none\b|off\b|(one )?required\b)/;

/** The value of a JavaScript literal (numbers, strings, booleans, null, arrays and objects of them), or null. */
function literalValue(text: string): { value: unknown } | null {
  const source = ts.createSourceFile('default.ts', `(${text})`, ts.ScriptTarget.Latest);
  const [statement] = source.statements;
  if (source.statements.length !== 1 || !statement || !ts.isExpressionStatement(statement)) return null;
  const wrapped = statement.expression;
  if (!ts.isParenthesizedExpression(wrapped) || wrapped.end !== text.length + 2) return null;
  return evaluate(wrapped.expression);
}

function evaluate(node: ts.Expression): { value: unknown } | null {
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) };
  if (ts.isStringLiteral(node)) return { value: node.text };
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { value: null };
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map(evaluate);
    return items.every((item) => item !== null) ? { value: items.map((item) => item?.value) } : null;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const entries: Array<[string, unknown]> = [];
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)))
        return null;
      const field = evaluate(property.initializer);
      if (field === null) return null;
      entries.push([property.name.text, field.value]);
    }
    return { value: Object.fromEntries(entries) };
  }
  return null;
}

/**
 * A default as written in a tag or a table cell, in a form the two compare in: a literal (in a code
 * span or not) by its value, so `25_000` and `` `25000` `` agree; any other code span as the string
 * it shows (`` `tresta` `` is `'tresta'`); anything else by its words.
 */
function comparable(text: string): string {
  const span = /^`([^`]+)`$/.exec(text);
  const inner = span?.[1] ?? text;
  const literal = literalValue(inner);
  if (literal) return `value ${JSON.stringify(literal.value)}`;
  return span ? `value ${JSON.stringify(inner)}` : `words ${text.replace(/\s+/g, ' ')}`;
}

/** The least a register call must say; everything else is left to its default. */
const vapid = webpush.generateVAPIDKeys();
const givenOptions = {
  database: { url: 'postgresql://localhost/tresta' },
  redis: { url: 'redis://localhost:6379' },
  auth: { jwt: { publicKey: '-----BEGIN PUBLIC KEY-----' } },
  webPush: { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:ops@example.com' },
};

/** The paths the options above give, and the objects that hold them: those values are the host's, not defaults. */
function givenPaths(value: object, path = ''): string[] {
  return Object.entries(value).flatMap(([key, field]) => [
    `${path}${key}`,
    ...(typeof field === 'object' && field !== null ? givenPaths(field, `${path}${key}.`) : []),
  ]);
}

/** The value at a dotted path of a resolved object, or null when the path leads nowhere. */
function valueAt(value: unknown, path: string): { value: unknown } | null {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null || !(key in at)) return null;
    at = (at as Record<string, unknown>)[key];
  }
  return { value: at };
}

/** What the resolver applied for each option left out: at the option's own path, or where it went. */
function appliedDefault(resolved: ResolvedOptions, clusterOptions: unknown): (path: string) => { value: unknown } | null {
  const poolMax = resolved.database.kind === 'url' ? resolved.database.poolMax : undefined;
  const schedules = schedulesWith(resolved.schedules);
  const unconfiguredType = typeMetadata({ email: 'none' });
  const elsewhere: Record<string, unknown> = {
    'database.pool': { max: poolMax },
    'database.pool.max': poolMax,
    'redis.cluster.options': clusterOptions,
    prefix: resolved.routePrefix,
    'metrics.token': resolved.metricsToken,
    'metrics.processMetrics': resolved.processMetrics,
    'types.<NAME>.severity': unconfiguredType.severity,
    'types.<NAME>.required': unconfiguredType.required,
    ...Object.fromEntries(SCHEDULED_JOBS.map((job: ScheduledJobName) => [`schedules.${job}`, schedules[job].pattern])),
  };
  return (path) => (path in elsewhere ? { value: elsewhere[path] } : valueAt(resolved, path));
}

t.test(
  "every field of the host's options has a doc comment, and each default it names is the one documented and applied",
  async (t) => {
    const fields = documentedFields();
    const { defaults: table, repeated } = await documentedDefaults();
    const resolved = resolveOptions(givenOptions);
    const cluster = resolveOptions({ ...givenOptions, redis: { cluster: { nodes: ['redis://localhost:6379'] } } }).redis;
    const applied = appliedDefault(resolved, cluster.kind === 'cluster' ? cluster.options : undefined);
    const given = new Set(givenPaths(givenOptions));
    const names = [...fields.keys()];
    const leaves = names.filter((name) => !names.some((other) => other.startsWith(`${name}.`)));
    t.ok(
      fields.size > 80 && fields.has('schedules.redrive') && fields.has('auth.jwt.adminRole'),
      `the fields were found (${fields.size})`,
    );
    t.ok(table.size > 80, `the table's rows were read (${table.size} options)`);

    t.same(repeated, [], 'each option has one row in docs/options.md');
    t.same(
      [...table.keys()].filter((name) => !fields.has(name)),
      [],
      'each row of docs/options.md names a field of the options',
    );
    t.same(
      names.filter((name) => fields.get(name)?.comment === ''),
      [],
      '(a) every field has a doc comment',
    );

    const untagged = names.filter((name) => {
      if (fields.get(name)?.defaultValue !== undefined) return false;
      const documented = table.get(name);
      if (documented !== undefined && !NO_DEFAULT.test(documented)) return true;
      const value = leaves.includes(name) && !given.has(name) ? applied(name) : null;
      return value !== null && value.value !== null && value.value !== undefined;
    });
    t.same(untagged, [], '(b) every field with a default, in docs/options.md or in the resolved options, has @defaultValue');

    const disagreeing: string[] = [];
    const wrongValue: string[] = [];
    const literalsNotResolved: string[] = [];
    for (const [name, { defaultValue }] of fields) {
      if (defaultValue === undefined) continue;
      const documented = table.get(name);
      if (documented === undefined || comparable(defaultValue) !== comparable(documented)) {
        disagreeing.push(`${name}: @defaultValue ${defaultValue}, docs/options.md ${documented ?? '(no row)'}`);
      }
      const literal = literalValue(/^`([^`]+)`$/.exec(defaultValue)?.[1] ?? defaultValue);
      if (!literal) continue;
      const value = applied(name);
      if (value === null) literalsNotResolved.push(name);
      else if (!isDeepStrictEqual(value.value, literal.value)) {
        wrongValue.push(`${name}: @defaultValue ${defaultValue}, resolved ${JSON.stringify(value.value)}`);
      }
    }
    t.same(disagreeing, [], '(c) each @defaultValue is the default in docs/options.md');
    t.same(wrongValue, [], '(d) each @defaultValue is the value the resolver applies');
    // A type's `push` is read where a notification is delivered (only `true` sends); no resolved value stands for it.
    t.same(
      literalsNotResolved,
      ['types.<NAME>.push'],
      '(d) every literal @defaultValue but these is checked against the resolver',
    );
  },
);
