import type { ResolvedWorkerOptions } from '../options.js';
import { isEmbeddedUrl } from './embedded-url.js';
import { applyMigrations } from './migrate.js';
import { openOrm, type MikroORM } from './orm.js';
import { openEmbeddedDatabase } from './pglite.js';

export interface DatabaseHandle {
  orm: MikroORM;
  /** Where the database is, for connections of their own (the relay's LISTEN, migrations); `pglite://…` when embedded. */
  url: string;
  /** Closes what the plugin opened; a host's ORM is left alone. */
  close: () => Promise<void>;
}

export async function connectDatabase(options: Pick<ResolvedWorkerOptions, 'database' | 'migrate'>): Promise<DatabaseHandle> {
  if (options.database.kind === 'orm') {
    const { orm } = options.database;
    const url = orm.config.getClientUrl();
    // The host's ORM runs the host's migrations; ours run on a short-lived ORM of our own.
    if (options.migrate) await applyMigrations(url);
    return { orm, url, close: async () => {} };
  }
  const { url } = options.database;
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
    return { orm: embedded.orm, url, close: embedded.close };
  }
  const orm = await openOrm(url);
  try {
    if (options.migrate) await applyMigrations(url, orm);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return { orm, url, close: () => orm.close() };
}
