import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import Fastify from 'fastify';
import t from 'tap';
import trestaNotifications, { trestaEntities, trestaSkipTables } from '../../plugin/index.js';
import { createTestDatabase } from '../helpers/database.js';
import { POSTGRES_ADMIN_URL, REDIS_URL } from '../helpers/services.js';
import { createTokenKit } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

interface Project {
  id: number;
  name: string;
}

// The host's own entity, beside the plugin's.
const ProjectSchema = new EntitySchema<Project>({
  name: 'Project',
  tableName: 'project',
  properties: { id: { type: 'number', primary: true }, name: { type: 'string' } },
});

t.test("a host ORM configured by host and dbName, with its own entities and migrations beside the plugin's", async (t) => {
  const db = await createTestDatabase();
  // The host's migration files import @mikro-orm/migrations: they must live where it resolves.
  const migrationsPath = await mkdtemp(join(process.cwd(), 'node_modules', '.tresta-host-migrations-'));
  t.teardown(async () => {
    await db.drop();
    await rm(migrationsPath, { recursive: true, force: true });
  });
  const server = new URL(POSTGRES_ADMIN_URL);
  // No URL anywhere: where the database is comes from separate fields, as many hosts configure it.
  const hostOrm = await MikroORM.init({
    host: server.hostname,
    port: Number(server.port || 5432),
    user: decodeURIComponent(server.username) || 'postgres',
    password: decodeURIComponent(server.password) || undefined,
    dbName: db.name,
    entities: [ProjectSchema, ...trestaEntities],
    extensions: [Migrator],
    // MikroORM 6.6 writes the snapshot after `migration:up` from the whole database, skipped tables
    // included: a host sharing its ORM diffs against the database itself (docs/production.md, "Sharing the host's MikroORM").
    migrations: { path: migrationsPath, pathTs: migrationsPath, emit: 'js', snapshot: false },
    schemaGenerator: { skipTables: trestaSkipTables },
    allowGlobalContext: true,
  });
  t.teardown(() => hostOrm.close());

  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(trestaNotifications, {
    database: { orm: hostOrm },
    redis: { url: REDIS_URL, prefix: `tresta-test-host-orm-${process.pid}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: true,
  });
  await app.ready();

  const tables = async () =>
    (
      await hostOrm.em
        .fork()
        .execute<Array<{ tablename: string }>>("select tablename from pg_tables where schemaname = 'public' order by 1")
    ).map((row) => row.tablename);
  t.ok((await tables()).includes('tresta_notifications'), "the plugin's migrations ran in the host's database");
  t.equal(await app.notifications.workers?.relay.listening, true, "the relay LISTENs on the host's database, and hears");

  // The host's own tooling, after registering: its migration holds its table and none of ours.
  const migrator = hostOrm.getMigrator();
  const created = await migrator.createMigration();
  t.match(created.code, /create table "project"/, "the host's migration creates the host's table");
  t.notMatch(created.code, /tresta_/, "and does not touch the plugin's tables");
  await migrator.up();
  const after = await tables();
  t.ok(
    after.includes('project') && after.includes('tresta_notifications') && after.includes('tresta_migrations'),
    'both sets of tables',
  );
  const again = await migrator.createMigration();
  t.equal(
    again.diff.up.length,
    0,
    "a second migration:create finds nothing to do: the plugin's tables are neither created nor dropped",
  );

  const sent = await app.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: 'x', message: 'm' });
  await until(
    async () => {
      const [row] = await hostOrm.em
        .fork()
        .execute<Array<{ delivered: boolean }>>(
          "select status = 'published' as delivered from tresta_outbox where notification_id = ?",
          [sent.id],
        );
      return row?.delivered;
    },
    (delivered) => delivered === true,
    'the notification delivered',
  );
  t.pass('a notification made through the host ORM is delivered');
});
