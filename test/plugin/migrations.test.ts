import pg from 'pg';
import t from 'tap';
import { applyMigrations, MIGRATION_LOCK_KEY } from '../../plugin/db/migrate.js';
import { openOrm } from '../../plugin/db/orm.js';
import { createTestDatabase } from '../helpers/database.js';

const TABLES = [
  'tresta_dead_letters',
  'tresta_digest_runs',
  'tresta_email_deliveries',
  'tresta_email_suppressions',
  'tresta_job_runs',
  'tresta_mailbox',
  'tresta_notification_preferences',
  'tresta_notifications',
  'tresta_outbox',
  'tresta_push_subscriptions',
  'tresta_quota_snapshots',
];

t.test('up → down → up, recorded in tresta_migrations, matching the entities', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const orm = await openOrm(db.url);
  t.teardown(() => orm.close());
  const em = orm.em.fork();
  const tables = async () =>
    (
      await em.execute<Array<{ tablename: string }>>(
        "select tablename from pg_tables where schemaname = 'public' and tablename like 'tresta\\_%' and tablename <> 'tresta_migrations' order by 1",
      )
    ).map((row) => row.tablename);

  // Two instances starting together take turns on the advisory lock; neither fails.
  await Promise.all([applyMigrations(db.url), applyMigrations(db.url)]);
  t.same(await tables(), TABLES, 'up creates every table');
  const applied = await em.execute<Array<{ name: string }>>('select name from tresta_migrations');
  t.same(
    applied.map((row) => row.name),
    [
      'Migration20261124124942_Initial',
      'Migration20261124135445_Email',
      'Migration20261127184928_EmailLifecycle',
      'Migration20261127210000_ScheduledJobs',
      'Migration20261201214500_ExactDigest',
      'Migration20261201220000_Inbox',
      'Migration20261206074105_PushSubscriptions',
      'Migration20261206154051_ListPageIndex',
      'Migration20261206162000_RelayPublishes',
    ],
  );
  t.equal(await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false }), '', 'the migrated schema matches the entities');

  await orm.getMigrator().down({ to: 0 });
  t.same(await tables(), [], 'down removes them');
  await orm.getMigrator().up();
  t.same(await tables(), TABLES, 'up again restores them');

  const indexes = await em.execute<Array<{ indexname: string }>>(
    "select indexname from pg_indexes where tablename in ('tresta_notifications', 'tresta_outbox') order by 1",
  );
  t.match(
    indexes.map((row) => row.indexname),
    [
      'tresta_notifications_created_at_idx',
      'tresta_notifications_digest_run_id_idx',
      'tresta_notifications_group_idx',
      'tresta_notifications_group_key_idx',
      'tresta_notifications_pkey',
      'tresta_notifications_search_idx',
      'tresta_notifications_undigested_idx',
      'tresta_notifications_unread_idx',
      'tresta_notifications_user_id_created_at_id_idx',
      'tresta_notifications_user_id_is_read_idx',
      'tresta_outbox_pending_idx',
      'tresta_outbox_pkey',
      'tresta_outbox_status_created_at_idx',
      'tresta_outbox_unfinished_idx',
    ],
  );
});

t.test('an instance that waits too long for the migration lock fails with a code that says so', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  await applyMigrations(db.url);
  // Another instance in the middle of its migrations: the lock held by an open transaction.
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  t.teardown(() => other.end());
  await other.query('begin');
  await other.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);

  await t.rejects(applyMigrations(db.url, 300), { code: 'TRESTA_ERR_DB_MIGRATION_LOCK_TIMEOUT' });
  await other.query('rollback');
  await t.resolves(applyMigrations(db.url, 300), 'once the lock is free, start-up goes on');
});
