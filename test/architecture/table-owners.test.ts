// One owner per table: every statement on a table, and every use of its entity, lives in that
// table's module under plugin/data/. A module elsewhere that names a table in SQL, or hands its
// entity to the entity manager, fails here: the rules of a table (its columns, its states, who may
// change what) are then changed in one file instead of hunted for across the jobs and routes.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each table, its entity schema, and the module under plugin/ that owns both. */
const OWNERS = [
  { table: 'tresta_notifications', entity: 'NotificationSchema', owner: 'data/notifications.ts' },
  { table: 'tresta_outbox', entity: 'OutboxEntrySchema', owner: 'data/outbox.ts' },
  { table: 'tresta_notification_preferences', entity: 'NotificationPreferenceSchema', owner: 'data/preferences.ts' },
  { table: 'tresta_push_subscriptions', entity: 'PushSubscriptionSchema', owner: 'data/push-subscriptions.ts' },
  { table: 'tresta_email_deliveries', entity: 'EmailDeliverySchema', owner: 'data/email-deliveries.ts' },
  { table: 'tresta_email_suppressions', entity: 'EmailSuppressionSchema', owner: 'data/email-suppressions.ts' },
  { table: 'tresta_digest_runs', entity: 'DigestRunSchema', owner: 'data/digest-runs.ts' },
  { table: 'tresta_quota_snapshots', entity: 'QuotaSnapshotSchema', owner: 'data/quota-snapshots.ts' },
  { table: 'tresta_dead_letters', entity: 'DeadLetterSchema', owner: 'data/dead-letters.ts' },
  { table: 'tresta_job_runs', entity: 'JobRunSchema', owner: 'data/job-runs.ts' },
  { table: 'tresta_mailbox', entity: 'MailboxMessageSchema', owner: 'data/mailbox.ts' },
] as const;

/** Where tables are declared rather than used: the entities themselves. */
const DECLARATIONS = /^db\/entities\//;

async function pluginFiles(dir = join(root, 'plugin')): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? pluginFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat().filter((path) => path.endsWith('.ts'));
}

/** The file's text without its comments, so prose about a table does not count as using it. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const mentions = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text);
const writes = (text: string, table: string) =>
  new RegExp(`\\b(insert\\s+into|update|delete\\s+from)\\s+${table}\\b`, 'i').test(text);

t.test('each table is named in SQL, and its entity used, only by its data module', async (t) => {
  const files = await pluginFiles();
  const sources = await Promise.all(
    files.map(async (path) => ({ path: relative(join(root, 'plugin'), path), text: code(await readFile(path, 'utf8')) })),
  );
  for (const { table, entity, owner } of OWNERS) {
    t.ok(
      sources.some((source) => source.path === owner),
      `${owner} exists`,
    );
    const users = sources
      .filter((source) => source.path !== owner && !DECLARATIONS.test(source.path))
      // Another table's module may read this one in a join; only the owner writes it.
      .filter((source) =>
        source.path.startsWith('data/')
          ? writes(source.text, table)
          : mentions(source.text, table) || mentions(source.text, entity),
      )
      .map((source) => source.path);
    t.same(users, [], `${table} is used outside ${owner}`);
  }
});
