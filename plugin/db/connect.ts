import type { ResolvedWorkerOptions } from '../options.js';
import { applyMigrations } from './migrate.js';
import { openOrm, type MikroORM } from './orm.js';

export interface DatabaseHandle {
  orm: MikroORM;
  /** Where the database is, for connections of their own (the relay's LISTEN, migrations). */
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
  const orm = await openOrm(url);
  try {
    if (options.migrate) await applyMigrations(url, orm);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return { orm, url, close: () => orm.close() };
}
