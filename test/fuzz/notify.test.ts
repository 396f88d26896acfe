// Issue #9, part 2: notify() and notifyMany() fed arbitrary input. Each call either resolves, and
// the notification is then in its user's list exactly as returned, or rejects with a typed
// TRESTA_ERR_NOTIFY_* error (400) having written nothing.
import t from 'tap';
import fc from 'fast-check';
import { encodeCursor } from '../../plugin/services/cursor.js';
import type { NotifyInput } from '../../plugin/services/validate-notification.js';
import { buildTestApp } from '../helpers/app.js';
import { anyString, assertPrototypeClean, assertSame, fingerprint, type Fingerprint } from './lib/fuzz.js';

const TYPES = ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_REJECTED', 'TESTIMONIAL_FLAGGED', 'SECURITY_ALERT'];
const TYPED_ERRORS = new Set(['TRESTA_ERR_NOTIFY_UNKNOWN_TYPE', 'TRESTA_ERR_NOTIFY_INVALID_INPUT']);

const { app, authFor } = await buildTestApp(t, { apiRateLimitPerMinute: 1_000_000 });

/** Text near the limits: empty, blank, at and one past the maximum, unicode, or not text at all. */
function text(max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
    { weight: 3, arbitrary: anyString },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), '🔔'.repeat(max / 2), ' ', '\t\n', '') },
    { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined)) },
  );
}

const link = fc.oneof(
  fc.constantFrom(undefined, null),
  fc.webUrl().map(String),
  fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
  fc.constantFrom(
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '//evil.example',
    '/\\evil.example',
    'http://',
    'https://a',
    'ftp://files.example',
    'mailto:a@b.c',
    '/x y',
    '/x\u0000',
    '/\u2028',
    '/testimonials/42',
    'https://tresta.app/x?y=1#z',
    `/${'x'.repeat(2_047)}`,
    `/${'x'.repeat(2_048)}`,
  ),
  anyString,
  fc.jsonValue({ maxDepth: 1 }),
);

/** JSON of about `bytes` bytes, as metadata. */
const padded = (bytes: number) => ({ pad: 'x'.repeat(bytes - 10) });
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

const metadata = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(undefined, null) },
  { weight: 3, arbitrary: fc.object({ maxDepth: 3, stringUnit: 'binary' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      padded(16 * 1024 - 1),
      padded(16 * 1024),
      padded(16 * 1024 + 1),
      padded(1_000_000),
      JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
      { toJSON: () => 'not an object' },
      { toJSON: () => undefined },
      { when: new Date(Number.NaN) },
      { n: 10n },
      circular,
      [1, 2, 3],
      'metadata',
      42,
      { nested: JSON.parse(`${'{"a":'.repeat(1_000)}1${'}'.repeat(1_000)}`) },
    ),
  },
);

const userId = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('alice', 'bob', 'user_123', 'x'.repeat(255), 'x'.repeat(256)) },
  { weight: 3, arbitrary: anyString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const type = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TYPES) },
  { weight: 1, arbitrary: fc.constantFrom('new_testimonial', '__proto__', 'constructor', 'toString', 'hasOwnProperty') },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Buttons near `{ label, url, style? }`: the link corpus as urls, labels about the 40-character limit. */
const action = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        label: text(40),
        url: link,
        style: fc.oneof(fc.constantFrom(undefined, 'primary', 'secondary', 'danger', 'PRIMARY'), anyString),
        onclick: fc.constant('alert(1)'),
      },
      { requiredKeys: ['label', 'url'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const validAction = fc.record(
  {
    label: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((label) => label.trim().length > 0),
    url: fc.oneof(fc.webUrl().map(String), fc.constantFrom('/testimonials/42', '/security')),
    style: fc.constantFrom('primary', 'secondary'),
  },
  { requiredKeys: ['label', 'url'] },
);
const actions = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(undefined, null) },
  { weight: 4, arbitrary: fc.array(validAction, { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.array(action, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const groupKey = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(undefined, null, 'testimonial:42', 'testimonial:7') },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(200), 'x'.repeat(201)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** An input near NotifyInput (any field missing, wrong or extra), or anything at all. */
const input: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.record(
          { userId, type, title: text(200), message: text(5_000), link, metadata },
          { requiredKeys: ['userId', 'type', 'title', 'message'] },
        ),
        fc.dictionary(
          fc.oneof(fc.constantFrom('id', 'isRead', 'createdAt', '__proto__'), anyString),
          fc.jsonValue({ maxDepth: 1 }),
          {
            maxKeys: 2,
          },
        ),
      )
      .map(([fields, extra]) => ({ ...extra, ...fields })),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, '', [], {}, 'notification') },
);

/** Throws unless `error` is one of notify()'s typed 400 errors. */
function assertTyped(error: unknown, what: string): void {
  const { code, statusCode } = (error ?? {}) as { code?: string; statusCode?: number };
  if (!code || !TYPED_ERRORS.has(code) || statusCode !== 400) {
    throw new Error(`${what} rejected with an untyped error: ${String(error)} (code ${code}, status ${statusCode})`, {
      cause: error,
    });
  }
}

type Listed = {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  metadata: unknown;
  actions: unknown;
  groupKey: string | null;
  isRead: boolean;
};

/**
 * The notification as its user's list shows it, or undefined: one page that starts just after its
 * own timestamp (a cursor as the API makes them), so a long list is not walked.
 */
async function listedFor(
  user: string,
  view: { id: string; createdAt: string; groupId: string | null },
): Promise<Listed | undefined> {
  const cursor = encodeCursor({
    createdAt: new Date(Date.parse(view.createdAt) + 1),
    id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  });
  // A group shows as its newest notification: expand it to find this one.
  const group = view.groupId ? `&group=${view.groupId}` : '';
  const response = await app.inject({
    url: `/api/notifications?limit=100&cursor=${cursor}${group}`,
    headers: await authFor(user),
  });
  if (response.statusCode !== 200) throw new Error(`listing ${JSON.stringify(user)} → ${response.statusCode} ${response.body}`);
  return response.json<{ items: Listed[] }>().items.find((item) => item.id === view.id);
}

/** JSON with every object's keys sorted: jsonb keeps its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// The fingerprint after a rejection is the one before the next call: only an accepted call needs a new one.
let lastKnown: Fingerprint | null = null;
const stateBefore = async (): Promise<Fingerprint> => (lastKnown ??= await fingerprint(app));
async function assertUnchangedSince(before: Fingerprint, what: string): Promise<void> {
  const after = await fingerprint(app);
  assertSame(before, after, what);
  lastKnown = after;
}

let accepted = 0;
let rejected = 0;
let cases = 0;
t.teardown(() => {
  t.comment(`${cases} notify() fuzz cases: ${accepted} accepted, ${rejected} rejected`);
});

async function checkAccepted(sent: Record<string, unknown>, view: Awaited<ReturnType<typeof app.notifications.notify>>) {
  accepted++;
  lastKnown = null;
  const listed = await listedFor(sent.userId as string, view);
  if (!listed) throw new Error(`notify() resolved ${view.id} but ${JSON.stringify(sent.userId)}'s list does not have it`);
  const expected = {
    type: sent.type,
    title: sent.title,
    message: sent.message,
    link: sent.link ?? null,
    groupKey: sent.groupKey ?? null,
  };
  for (const [key, value] of Object.entries(expected)) {
    if (listed[key as keyof Listed] !== value)
      throw new Error(`${key}: sent ${JSON.stringify(value)}, listed ${JSON.stringify(listed[key as keyof Listed])}`);
  }
  if (canonical(listed.metadata) !== canonical(view.metadata)) throw new Error('metadata listed differs from the one returned');
  const sentMetadata = sent.metadata === undefined || sent.metadata === null ? {} : JSON.parse(JSON.stringify(sent.metadata));
  if (canonical(view.metadata) !== canonical(sentMetadata)) throw new Error('metadata returned differs from the one sent');
  if (listed.isRead !== false) throw new Error('a new notification is unread');
  // An accepted action keeps exactly label, url and a style when one was given.
  const sentActions = ((sent.actions ?? []) as Array<Record<string, unknown>>).map(({ label, url, style }) =>
    style === undefined ? { label, url } : { label, url, style },
  );
  if (canonical(view.actions) !== canonical(sentActions)) throw new Error('actions returned differ from the ones sent');
  if (canonical(listed.actions) !== canonical(view.actions)) throw new Error('actions listed differ from the ones returned');
}

/** notify() of a fuzzed input: its view, or null once a rejection was checked typed and writing nothing. */
async function notifyOrRejectTyped(sent: unknown) {
  const before = await stateBefore();
  try {
    return await app.notifications.notify(sent as NotifyInput);
  } catch (error) {
    rejected++;
    assertTyped(error, 'notify()');
    await assertUnchangedSince(before, 'a rejected notify()');
    return null;
  }
}

t.test('notify(anything) resolves and is listed, or rejects typed and writes nothing', async (t) => {
  await fc.assert(
    fc.asyncProperty(input, async (sent) => {
      cases++;
      const view = await notifyOrRejectTyped(sent);
      if (!view) return;
      await checkAccepted(sent as Record<string, unknown>, view);
    }),
    { numRuns: 1_400 },
  );
  t.ok(accepted > 100 && rejected > 100, `both outcomes exercised (${accepted} accepted, ${rejected} rejected)`);
});

t.test('notify() with any actions and groupKey: stored and listed as sent, or rejected typed', async (t) => {
  const near = fc.record(
    {
      userId: fc.constantFrom('alice', 'bob'),
      type: fc.constantFrom(...TYPES),
      title: fc.constant('With buttons'),
      message: fc.constant('m'),
      actions,
      groupKey,
    },
    { requiredKeys: ['userId', 'type', 'title', 'message'] },
  );
  let acceptedHere = 0;
  await fc.assert(
    fc.asyncProperty(near, async (sent) => {
      cases++;
      const view = await notifyOrRejectTyped(sent);
      if (!view) return;
      acceptedHere++;
      await checkAccepted(sent as Record<string, unknown>, view);
    }),
    { numRuns: 600 },
  );
  t.ok(acceptedHere > 100 && acceptedHere < 550, `both outcomes exercised (${acceptedHere} of 600 accepted)`);
});

t.test('notifyMany(batch): every input written and listed, or none (one bad input rejects the batch)', async (t) => {
  const valid = fc.record({
    userId: fc.constantFrom('alice', 'bob', 'carol'),
    type: fc.constantFrom(...TYPES),
    title: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
    message: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
  });
  const batch = fc.array(fc.oneof({ weight: 4, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: input }), {
    maxLength: 5,
  });
  await fc.assert(
    fc.asyncProperty(batch, async (inputs) => {
      cases++;
      const before = await stateBefore();
      let views;
      try {
        views = await app.notifications.notifyMany(inputs as NotifyInput[]);
      } catch (error) {
        rejected++;
        assertTyped(error, 'notifyMany()');
        await assertUnchangedSince(before, 'a rejected notifyMany()');
        return;
      }
      if (views.length !== inputs.length) throw new Error(`${inputs.length} inputs, ${views.length} notifications`);
      for (const [i, view] of views.entries()) await checkAccepted(inputs[i] as Record<string, unknown>, view);
    }),
    { numRuns: 400 },
  );
  t.pass('400 batches');
});

t.test("notify(input, { em }) inside the caller's transaction: a rejection leaves nothing behind", async (t) => {
  const orm = app.notifications.orm;
  await fc.assert(
    fc.asyncProperty(input, fc.boolean(), async (sent, callerCommits) => {
      cases++;
      const before = await stateBefore();
      let outcome: 'written' | 'rejected' | 'rolled back';
      try {
        outcome = await orm.em.fork().transactional(async (em) => {
          await app.notifications.notify(sent as NotifyInput, { em });
          if (!callerCommits) throw new Error('the caller rolls back');
          return 'written' as const;
        });
      } catch (error) {
        if (error instanceof Error && error.message === 'the caller rolls back') outcome = 'rolled back';
        else {
          assertTyped(error, 'notify({ em })');
          outcome = 'rejected';
        }
      }
      if (outcome === 'written') {
        accepted++;
        lastKnown = null;
      } else {
        rejected++;
        await assertUnchangedSince(before, `notify({ em }) ${outcome}`);
      }
    }),
    { numRuns: 200 },
  );
  t.pass('200 calls in transactions');
});

t.test('after the fuzz: Object.prototype is clean', async (t) => {
  assertPrototypeClean();
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});
