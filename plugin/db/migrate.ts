import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openOrm } from './orm.js';

// Any constant works; it only has to be the same for every instance of the plugin.
const MIGRATION_LOCK_KEY = 741_058_231;

/**
 * Applies the plugin's pending migrations. Several instances may start together, so they take
 * turns on a Postgres advisory lock (held on a dedicated connection, as session locks must be).
 */
export async function applyMigrations(url: string, orm?: MikroORM): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const migrationOrm = orm ?? (await openOrm(url));
    try {
      await migrationOrm.getMigrator().up();
    } finally {
      if (!orm) await migrationOrm.close();
    }
  } finally {
    await lock.end();
  }
}
