import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationView } from './contract/index.js';
import { createAuthenticator } from './auth/authenticator.js';
import type { MikroORM } from './db/orm.js';
import { QUEUES } from './jobs/registry.js';
import { InstanceMetrics } from './metrics/instance-metrics.js';
import { pushSubscriptions } from './data/push-subscriptions.js';
import type { WorkerRuntime } from './jobs/runtime.js';
import { resolveOptions, type TrestaNotificationsOptions } from './startup/options.js';
import { WebSocketHub } from './realtime/websocket-hub.js';
import type { RedisClient } from './redis/connect.js';
import { RedisKeys } from './redis/keys.js';
import { pluginRoutes } from './routes/index.js';
import { startProcessServices } from './startup/start.js';
import { notify, notifyMany } from './services/notify.js';
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
  readonly redis: RedisClient;
  /** Live WebSocket clients connected to this instance. */
  readonly realtimeConnections: number;
  /** The relay and workers running in this process (`workers: true`), else null. */
  readonly workers: WorkerRuntime | null;
  /** The plugin's BullMQ queues by name, for dashboards (bull-board); on a cluster their prefixes carry hash tags. */
  readonly queues: Readonly<Record<string, Queue>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationsApi;
  }
}

async function trestaNotifications(app: FastifyInstance, rawOptions: TrestaNotificationsOptions): Promise<void> {
  const options = resolveOptions(rawOptions);
  const auth = await createAuthenticator(options.auth);
  let hub: WebSocketHub | null = null;
  const instanceMetrics = new InstanceMetrics({
    processMetrics: options.processMetrics,
    realtimeConnections: () => hub?.connectionCount ?? 0,
  });
  const services = await startProcessServices(
    options,
    app.log,
    options.workers ? { deliveryLatency: instanceMetrics.deliveryLatency } : null,
  );
  const { database, redis, transports } = services;
  const { orm } = database;
  const prefix = options.redis.prefix;
  const liveHub = await WebSocketHub.start(
    redis,
    prefix,
    services.openRedis({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
    options.realtime,
  ).catch(async (error: unknown) => {
    // Nothing would close the workers already running: registration fails, and the host exits.
    await services.close();
    throw error;
  });
  hub = liveHub;

  // This instance's handles on the queues: the admin API reads their depths and requeues dead letters.
  const keys = new RedisKeys(prefix, redis);
  const queues = Object.fromEntries(
    Object.values(QUEUES).map((name) => {
      const queue = new Queue(name, { connection: redis, prefix: keys.queuePrefix(name) });
      queue.on('error', () => {});
      return [name, queue];
    }),
  );

  app.addHook('preClose', async () => {
    await liveHub.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    await services.close();
  });

  const depsFor = (notifyOptions?: NotifyOptions) => ({
    em: (notifyOptions?.em ?? orm.em.fork()) as EntityManager,
    callerTransaction: notifyOptions?.em !== undefined,
    unreadCounts: services.unreadCounts,
    types: options.types,
  });
  app.decorate('notifications', {
    notify: (input, notifyOptions) => notify(depsFor(notifyOptions), input),
    notifyMany: (inputs, notifyOptions) => notifyMany(depsFor(notifyOptions), inputs),
    orm,
    redis,
    get realtimeConnections() {
      return liveHub.connectionCount;
    },
    workers: services.workers,
    queues,
  } satisfies NotificationsApi);

  const { realtime, email } = options;
  await app.register(pluginRoutes, {
    prefix: options.routePrefix,
    orm,
    redis,
    auth,
    types: options.types,
    // API instances publish read-state changes; the outbox relay publishes new notifications.
    publisher: transports.publisher,
    realtime: {
      ably: transports.ably,
      ablyPublishing: transports.ablyPublishing,
      pollIntervalMs: realtime.pollIntervalMs,
      routePrefix: options.routePrefix,
    },
    redisPrefix: prefix,
    rateLimitPerMinute: options.apiRateLimitPerMinute,
    queues,
    counters: services.counters,
    quota: services.quota,
    unreadCounts: services.unreadCounts,
    realtimeConnections: () => liveHub.connectionCount,
    instanceMetrics,
    allowedOrigins: realtime.allowedOrigins,
    metricsToken: options.metricsToken,
    webPush: options.webPush,
    pushSubscriptions: pushSubscriptions(orm),
    hub: liveHub,
    maxPendingSocketsPerIp: realtime.maxPendingSocketsPerIp,
    upgradesPerMinutePerIp: realtime.upgradesPerMinutePerIp,
    unsubscribeLinks: services.unsubscribe,
    productName: email.brand.name,
    webhookSecret: email.webhookSecret,
    healthRoutes: options.healthRoutes,
  });
}

const plugin = fp(trestaNotifications, { fastify: '5.x', name: 'tresta-notifications' });

export default plugin;
export { plugin as trestaNotifications };
export { optionsFromEnv } from './startup/env.js';
export { startWorkers, type WorkerProcess } from './worker/process.js';
export * as errors from './errors.js';
export { trestaEntities, trestaSkipTables } from './db/entities/index.js';
export { migrationsList, MIGRATIONS_TABLE } from '../migrations/index.js';
export { DEFAULT_NOTIFICATION_TYPES, type EmailMode, type NotificationTypeConfig } from './notification-types.js';
export type { AuthenticatedUser, AuthenticateFunction, JwtAuthOptions } from './auth/types.js';
export type { TrestaNotificationsOptions, WorkerProcessOptions } from './startup/options.js';
export type {
  ArchivedChange,
  NotificationAction,
  NotificationView as Notification,
  Preferences,
  ReadChange,
  RealtimeMessage,
  Severity,
} from './contract/index.js';
export type { NotifyInput } from './services/validate-notification.js';
