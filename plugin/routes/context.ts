import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { AuthenticateFunction, AuthenticatedUser } from '../options.js';
import type { NotificationTypeConfig } from '../notification-types.js';

/** What the routes need from the plugin, handed to them at registration. */
export interface RouteContext {
  orm: MikroORM;
  redis: Redis;
  authenticate: AuthenticateFunction;
  types: Record<string, NotificationTypeConfig>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the plugin's own routes only, from the verified token. */
    trestaUser: AuthenticatedUser | null;
  }
}
