import type { MikroORM } from '@mikro-orm/postgresql';

/** Connections in the plugin's own pool, per process, unless the host says otherwise. */
export const DEFAULT_POOL_MAX = 5;

/** The resolved `database` option: the plugin's own ORM on a URL, or the host's, and where LISTEN and migrations connect. */
export type DatabaseSettings = ({ kind: 'url'; url: string; poolMax: number } | { kind: 'orm'; orm: MikroORM }) & {
  directUrl: string | null;
};
