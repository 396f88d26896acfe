import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Where the plugin opens connections of its own beside its pool: the outbox relay's LISTEN and the
 * short-lived ORM that runs migrations. Both need a session of their own, so behind a transaction
 * pooler this should be the direct address (`database.directUrl`).
 */
export type DirectConnection = pg.ClientConfig;

export function directConnectionOf(url: string): DirectConnection {
  return { connectionString: url };
}

type HostPassword = string | (() => Promise<string | { password: string }>) | undefined;

/**
 * The connection a host's MikroORM makes, from its whole configuration: `clientUrl` or
 * host / port / user / password / dbName (MikroORM merges them the same way), and whatever the
 * host gives its driver (`driverOptions.connection`: SSL, timeouts). Never a guessed default.
 */
export function directConnectionOfHostOrm(orm: MikroORM): DirectConnection {
  const options = orm.em.getConnection().getConnectionOptions() as {
    host?: string;
    port?: number;
    user?: string;
    password?: HostPassword;
    database?: string;
  };
  const driverOptions = (orm.config.get('driverOptions') ?? {}) as { connection?: Record<string, unknown> };
  const password = options.password;
  return {
    host: options.host,
    port: options.port,
    user: options.user,
    database: options.database,
    // MikroORM's password callback may answer an object; pg takes a callback answering the string.
    password:
      typeof password === 'function'
        ? async () => {
            const answer = await password();
            return typeof answer === 'string' ? answer : answer.password;
          }
        : password || undefined,
    ...(driverOptions.connection as DirectConnection | undefined),
  };
}
