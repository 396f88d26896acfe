import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList, MIGRATIONS_TABLE } from '../../migrations/index.js';
import { trestaEntities } from './entities/index.js';

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

export async function openOrm(url: string): Promise<MikroORM> {
  return MikroORM.init({ ...pluginOrmConfig(), clientUrl: url });
}

export { MikroORM };
