import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList, MIGRATIONS_TABLE } from '../../migrations/index.js';
import type { DirectConnection } from './direct-connection.js';
import { trestaEntities } from './entities/index.js';
import { DEFAULT_POOL_MAX } from './settings.js';

/** The MikroORM configuration of the plugin's own ORM (used when the host does not pass one), less where the database is. */
export function pluginOrmConfig(): Options {
  return {
    entities: trestaEntities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: {
      tableName: MIGRATIONS_TABLE,
      migrationsList,
      snapshot: false,
      silent: true,
      transactional: true,
      allOrNothing: true,
    },
    allowGlobalContext: false,
    debug: false,
  };
}

/** MikroORM's view of a URL or a pg connection config (the driver's own settings win over its defaults). */
function whereTheDatabaseIs(target: string | DirectConnection): Options {
  if (typeof target === 'string') return { clientUrl: target };
  const { connectionString, ...rest } = target;
  if (connectionString) return { clientUrl: connectionString, driverOptions: { connection: rest } };
  return { dbName: target.database, driverOptions: { connection: target } };
}

/**
 * The plugin's ORM on a Postgres server. Its pool starts empty and holds at most `poolMax`
 * connections, so many instances fit a managed plan's connection limit.
 */
export async function openOrm(target: string | DirectConnection, poolMax: number = DEFAULT_POOL_MAX): Promise<MikroORM> {
  return MikroORM.init({ ...pluginOrmConfig(), ...whereTheDatabaseIs(target), pool: { min: 0, max: poolMax } });
}

export { MikroORM };
