import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { MikroORM as AnyDriverMikroORM, type Options } from '@mikro-orm/core';
import { InvalidOptionError } from '../errors.js';
import { embeddedDataDir } from './embedded-url.js';
import { claimFolder } from './folder-lock.js';
import { pluginOrmConfig, type MikroORM } from './orm.js';

export interface EmbeddedDatabase {
  orm: MikroORM;
  /** Closes the ORM, then PGlite (which flushes to the folder), then releases the folder. */
  close: () => Promise<void>;
}

// The PGlite behind each embedded ORM, for the outbox relay's LISTEN (see plugin/jobs/outbox-relay.ts).
const pgliteOf = new WeakMap<MikroORM, PGlite>();

/** The PGlite instance serving `orm`, or undefined when `orm` talks to a Postgres server. */
export function embeddedPGlite(orm: MikroORM): PGlite | undefined {
  return pgliteOf.get(orm);
}

/**
 * Opens the plugin's ORM on PGlite for a `pglite://` URL. PGlite is one Postgres backend inside this
 * process; it does not stop a second process from opening the same folder (and corrupting it), so the
 * folder is claimed for this process first. PGlite and its driver load only here: hosts on a Postgres
 * server never load them.
 */
export async function openEmbeddedDatabase(url: string): Promise<EmbeddedDatabase> {
  const dataDir = embeddedDataDir(url);
  let releaseFolder = async () => {};
  let pgdata: string | undefined;
  if (dataDir) {
    const folder = resolve(dataDir);
    await mkdir(folder, { recursive: true });
    const claim = await claimFolder(folder);
    if ('heldBy' in claim) {
      throw new InvalidOptionError(
        'database.url',
        `${folder} is in use by process ${claim.heldBy}; an embedded database serves one process`,
      );
    }
    releaseFolder = claim.release;
    // PGlite's data directory must start empty, so the pid file lives beside it, not in it.
    pgdata = join(folder, 'pgdata');
  }
  try {
    const [pgliteModule, driverModule] = await loadEmbeddedDriver();
    const pglite = await pgliteModule.PGlite.create(pgdata);
    const config: Options = {
      ...pluginOrmConfig(),
      driver: driverModule.PGliteDriver,
      dbName: 'postgres',
      // PGlite is a single connection: a transaction must have it to itself until it ends.
      pool: { min: 1, max: 1 },
      driverOptions: { connection: { pglite: () => pglite } },
    };
    // The PGlite driver is an SQL driver on MikroORM's PostgreSQL platform: the same SqlEntityManager
    // API, SQL dialect and type mapping the rest of the plugin uses on a Postgres server.
    const orm = (await AnyDriverMikroORM.init(config).catch(async (error: unknown) => {
      await pglite.close();
      throw error;
    })) as unknown as MikroORM;
    pgliteOf.set(orm, pglite);
    return {
      orm,
      close: async () => {
        await orm.close();
        await pglite.close();
        await releaseFolder();
      },
    };
  } catch (error) {
    await releaseFolder();
    throw error;
  }
}

/** PGlite is an optional peer: a host that never asks for `pglite://` does not install it. */
async function loadEmbeddedDriver() {
  try {
    return await Promise.all([import('@electric-sql/pglite'), import('mikro-orm-pglite')]);
  } catch (error) {
    throw new InvalidOptionError(
      'database.url',
      `pglite:// needs the optional packages @electric-sql/pglite and mikro-orm-pglite (npm install @electric-sql/pglite mikro-orm-pglite): ${(error as Error).message}`,
    );
  }
}
