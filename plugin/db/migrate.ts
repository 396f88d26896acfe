import type { Knex } from '@mikro-orm/knex';
import { MIGRATIONS_TABLE } from '../../migrations/index.js';
import { MigrationLockTimeoutError } from '../errors.js';
import { directConnectionOf, type DirectConnection } from './direct-connection.js';
import { openOrm } from './orm.js';

// Any constant works; it only has to be the same for every instance of the plugin.
export const MIGRATION_LOCK_KEY = 741_058_231;

/** How long an instance waits for another one's migrations before start-up fails. */
export const MIGRATION_LOCK_WAIT_MS = 30_000;

// The table MikroORM's migrator keeps, in its own shape. The migrator would create it on its first
// query, outside any transaction; created here, under the lock, two instances never race to it.
const CREATE_MIGRATIONS_TABLE = `
  create table if not exists ${MIGRATIONS_TABLE} (
    id serial primary key,
    name varchar(255),
    executed_at timestamptz default current_timestamp)`;

/**
 * Applies the plugin's pending migrations. Several instances may start together, so they take
 * turns on a Postgres advisory lock. The lock is transaction-scoped and taken inside the migration
 * transaction: it excludes through any pooler, PgBouncer in transaction mode included (a session
 * lock would stay with whichever server session the pooler handed out). A lock held longer than
 * `waitMs` fails with TRESTA_ERR_DB_MIGRATION_LOCK_TIMEOUT instead of waiting without end.
 */
export async function applyMigrations(target: string | DirectConnection, waitMs = MIGRATION_LOCK_WAIT_MS): Promise<void> {
  // Two connections: the migrator checks its table on one while the transaction holds the other.
  const orm = await openOrm(typeof target === 'string' ? directConnectionOf(target) : target, 2);
  const connection = orm.em.getConnection();
  const underLock = (work: (trx: Knex.Transaction) => Promise<unknown>) =>
    connection.transactional(async (trx) => {
      await connection.execute(`set local lock_timeout = ${Math.max(1, Math.round(waitMs))}`, [], 'run', trx);
      await connection.execute('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY], 'run', trx);
      await work(trx);
    });
  try {
    await underLock((trx) => connection.execute(CREATE_MIGRATIONS_TABLE, [], 'run', trx));
    await underLock((trx) => orm.getMigrator().up({ transaction: trx }));
  } catch (error) {
    if ((error as { code?: unknown }).code === '55P03') throw new MigrationLockTimeoutError(waitMs);
    throw error;
  } finally {
    await orm.close();
  }
}
