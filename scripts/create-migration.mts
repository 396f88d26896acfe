// Writes the next migration into migrations/ by diffing the entities against the committed
// schema snapshot, then prints its file name. Review the SQL, then add the class to
// migrations/index.ts. Usage: npm run migration:create (needs a reachable DATABASE_URL).
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { fileURLToPath } from 'node:url';
import { trestaEntities } from '../plugin/db/entities/index.js';
import { MIGRATIONS_TABLE } from '../migrations/index.js';

const orm = await MikroORM.init({
  clientUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  entities: trestaEntities,
  extensions: [Migrator],
  migrations: {
    path: fileURLToPath(new URL('../migrations', import.meta.url)),
    tableName: MIGRATIONS_TABLE,
    snapshotName: '.snapshot-tresta',
    emit: 'ts',
  },
});
const result = await orm.getMigrator().createMigration(undefined, false, false, process.argv[2]);
console.log(result.fileName || 'the schema is up to date: no migration needed');
await orm.close();
