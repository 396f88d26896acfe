import { directConnectionOf, directConnectionOfHostOrm, type DirectConnection } from './direct-connection.js';
import { isEmbeddedUrl } from './embedded-url.js';
import { applyMigrations } from './migrate.js';
import { openOrm, type MikroORM } from './orm.js';
import { openEmbeddedDatabase } from './pglite.js';
import type { DatabaseSettings } from './settings.js';

export interface DatabaseHandle {
  orm: MikroORM;
  /** Where the relay's LISTEN connects (`database.directUrl`, else where the ORM connects); unused when embedded. */
  direct: DirectConnection;
  /** Closes what the plugin opened; a host's ORM is left alone. */
  close: () => Promise<void>;
}

export async function connectDatabase(options: { database: DatabaseSettings; migrate: boolean }): Promise<DatabaseHandle> {
  const { database } = options;
  const directUrl = database.directUrl === null ? null : directConnectionOf(database.directUrl);
  if (database.kind === 'orm') {
    const { orm } = database;
    const direct = directUrl ?? directConnectionOfHostOrm(orm);
    // The host's ORM runs the host's migrations; ours run on a short-lived ORM of our own.
    if (options.migrate) await applyMigrations(direct);
    return { orm, direct, close: async () => {} };
  }
  const { url } = database;
  if (isEmbeddedUrl(url)) {
    const embedded = await openEmbeddedDatabase(url);
    try {
      // An embedded database belongs to this one process: no other instance to take turns with on
      // the migration lock, and no server for the lock's own connection.
      if (options.migrate) await embedded.orm.getMigrator().up();
    } catch (error) {
      await embedded.close();
      throw error;
    }
    return { orm: embedded.orm, direct: directConnectionOf(url), close: embedded.close };
  }
  const direct = directUrl ?? directConnectionOf(url);
  if (options.migrate) await applyMigrations(direct);
  const orm = await openOrm(url, database.poolMax);
  return { orm, direct, close: () => orm.close() };
}
