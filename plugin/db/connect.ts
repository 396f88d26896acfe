import type { ResolvedOptions } from '../options.js';
import { applyMigrations } from './migrate.js';
import { openOrm, type MikroORM } from './orm.js';

export interface DatabaseHandle {
  orm: MikroORM;
  /** Closes what the plugin opened; a host's ORM is left alone. */
  close: () => Promise<void>;
}

export async function connectDatabase(options: ResolvedOptions): Promise<DatabaseHandle> {
  if (options.database.kind === 'orm') {
    const { orm } = options.database;
    // The host's ORM runs the host's migrations; ours run on a short-lived ORM of our own.
    if (options.migrate) await applyMigrations(orm.config.getClientUrl());
    return { orm, close: async () => {} };
  }
  const { url } = options.database;
  const orm = await openOrm(url);
  try {
    if (options.migrate) await applyMigrations(url, orm);
  } catch (error) {
    await orm.close();
    throw error;
  }
  return { orm, close: () => orm.close() };
}
