import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { createAuthenticator } from './auth/jwt-verifier.js';
import { connectDatabase } from './db/connect.js';
import type { MikroORM } from './db/orm.js';
import { resolveOptions, type TrestaNotificationsOptions } from './options.js';
import { connectRedis } from './redis.js';
import { notificationRoutes } from './routes/index.js';
import { healthRoutes } from './routes/health.js';
import { notify, notifyMany } from './services/notify.js';
import type { NotificationView } from './services/notification-view.js';
import type { NotifyInput } from './services/validate-notification.js';

export interface NotifyOptions {
  /** Join the caller's MikroORM transaction: the notification exists iff the caller commits. */
  em?: EntityManager;
}

/** What the plugin adds to the host as `app.notifications`. */
export interface NotificationsApi {
  notify(input: NotifyInput, options?: NotifyOptions): Promise<NotificationView>;
  notifyMany(inputs: readonly NotifyInput[], options?: NotifyOptions): Promise<NotificationView[]>;
  readonly orm: MikroORM;
  readonly redis: Redis;
}

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationsApi;
  }
}

async function trestaNotifications(app: FastifyInstance, rawOptions: TrestaNotificationsOptions): Promise<void> {
  const options = resolveOptions(rawOptions);
  const authenticate = await createAuthenticator(options.auth);
  const database = await connectDatabase(options);
  const { redis, close: closeRedis } = await connectRedis(options.redis);
  const { orm } = database;

  app.addHook('onClose', async () => {
    await closeRedis();
    await database.close();
  });

  const depsFor = (notifyOptions?: NotifyOptions) => ({
    em: (notifyOptions?.em ?? orm.em.fork()) as EntityManager,
    types: options.types,
  });
  app.decorate('notifications', {
    notify: (input, notifyOptions) => notify(depsFor(notifyOptions), input),
    notifyMany: (inputs, notifyOptions) => notifyMany(depsFor(notifyOptions), inputs),
    orm,
    redis,
  } satisfies NotificationsApi);

  const ctx = { orm, redis, authenticate, types: options.types };
  await app.register(notificationRoutes, { prefix: '/api/notifications', ...ctx });
  await app.register(healthRoutes, ctx);
}

const plugin = fp(trestaNotifications, { fastify: '5.x', name: 'tresta-notifications' });

export default plugin;
export { plugin as trestaNotifications };
export { optionsFromEnv } from './env.js';
export * as errors from './errors.js';
export { trestaEntities } from './db/entities/index.js';
export { migrationsList, MIGRATIONS_TABLE } from '../migrations/index.js';
export { DEFAULT_NOTIFICATION_TYPES, type EmailMode, type NotificationTypeConfig } from './notification-types.js';
export type { AuthenticatedUser, AuthenticateFunction, JwtAuthOptions, TrestaNotificationsOptions } from './options.js';
export type { NotificationView as Notification } from './services/notification-view.js';
export type { NotifyInput } from './services/validate-notification.js';
export type { Preferences } from './services/preferences.js';
