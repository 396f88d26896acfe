import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationView } from './contract/index.js';
import { createAuthenticator } from './auth/authenticator.js';
import { createUnsubscribeLinks } from './email/unsubscribe.js';
import { connectDatabase } from './db/connect.js';
import type { MikroORM } from './db/orm.js';
import { QUEUES } from './jobs/registry.js';
import { DailyCounters } from './metrics/daily-counters.js';
import { InstanceMetrics } from './metrics/instance-metrics.js';
import { QuotaGuard } from './quota/quota-guard.js';
import { pushSubscriptions } from './data/push-subscriptions.js';
import { startWorkerRuntime, type WorkerRuntime } from './jobs/runtime.js';
import { resolveOptions, type TrestaNotificationsOptions } from './options.js';
import { createRealtimeTransports } from './realtime/transports.js';
import { WebSocketHub } from './realtime/websocket-hub.js';
import { connectRedis, type RedisClient } from './redis.js';
import { RedisKeys } from './redis-keys.js';
import { healthRoutes } from './routes/health.js';
import { openapiDocument, openapiRoute } from './routes/openapi.js';
import { userRoutes } from './routes/index.js';
import { resendWebhookRoute } from './routes/resend-webhook.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { websocketRoutes } from './routes/websocket.js';
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
  const database = await connectDatabase(options);
  const { redis, open: openRedis, close: closeRedis } = await connectRedis(options.redis);
  const { orm } = database;
  const prefix = options.redis.prefix;
  // API instances publish read-state changes; workers publish new notifications.
  const { publisher, ably, ablyPublishing } = createRealtimeTransports(redis, prefix, options.realtime);
  const hub = await WebSocketHub.start(
    redis,
    prefix,
    openRedis({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
    options.realtime,
  );

  const counters = new DailyCounters(redis, prefix);
  const instanceMetrics = new InstanceMetrics({
    processMetrics: options.processMetrics,
    realtimeConnections: () => hub.connectionCount,
  });
  const unsubscribe = createUnsubscribeLinks(options.email, app.log);
  const workers = options.workers
    ? await startWorkerRuntime({
        options,
        orm,
        direct: database.direct,
        redis,
        openRedis,
        publisher,
        counters,
        deliveryLatency: instanceMetrics.deliveryLatency,
        unsubscribe,
        log: app.log,
      })
    : null;

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
    await hub.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
    await workers?.close();
    await counters.flush().catch(() => undefined);
    await closeRedis();
    await database.close();
  });

  const depsFor = (notifyOptions?: NotifyOptions) => ({
    em: (notifyOptions?.em ?? orm.em.fork()) as EntityManager,
    callerTransaction: notifyOptions?.em !== undefined,
    types: options.types,
  });
  app.decorate('notifications', {
    notify: (input, notifyOptions) => notify(depsFor(notifyOptions), input),
    notifyMany: (inputs, notifyOptions) => notifyMany(depsFor(notifyOptions), inputs),
    orm,
    redis,
    get realtimeConnections() {
      return hub.connectionCount;
    },
    workers,
    queues,
  } satisfies NotificationsApi);

  const realtime = { ably, ablyPublishing, pollIntervalMs: options.realtime.pollIntervalMs, routePrefix: options.routePrefix };
  const ctx = {
    orm,
    redis,
    auth,
    types: options.types,
    publisher,
    realtime,
    redisPrefix: prefix,
    rateLimitPerMinute: options.apiRateLimitPerMinute,
    queues,
    counters,
    quota: new QuotaGuard({
      redis,
      orm,
      prefix,
      dailyLimit: options.email.dailyLimit,
      criticalReserve: options.email.criticalReserve,
      perUserHourlyLimit: options.email.perUserHourlyLimit,
    }),
    realtimeConnections: () => hub.connectionCount,
    instanceMetrics,
    allowedOrigins: options.realtime.allowedOrigins,
    metricsToken: options.metricsToken,
    webPush: options.webPush,
    pushSubscriptions: pushSubscriptions(orm),
  };
  // One scope for every route of the plugin: the OpenAPI document sees them all, and nothing else;
  // the `prefix` option moves them all at once.
  await app.register(
    async (scope) => {
      // Inside this scope, the hook times the plugin's routes only, never the host's. The label is the
      // route's template (`/api/notifications/:id`), never the URL: one series per route, whatever the ids.
      scope.addHook('onResponse', async (request, reply) => {
        const route = request.routeOptions.url;
        if (route === undefined) return;
        instanceMetrics.httpRequestDuration.observe(
          { route, method: request.method, status_code: String(reply.statusCode) },
          reply.elapsedTime / 1000,
        );
      });
      await openapiDocument(scope, options.routePrefix);
      await scope.register(userRoutes, ctx);
      await scope.register(websocketRoutes, {
        prefix: '/api/notifications',
        auth,
        hub,
        allowedOrigins: options.realtime.allowedOrigins,
        maxPendingSocketsPerIp: options.realtime.maxPendingSocketsPerIp,
        upgradesPerMinutePerIp: options.realtime.upgradesPerMinutePerIp,
        redis,
        redisPrefix: prefix,
      });
      await scope.register(unsubscribeRoutes, {
        prefix: '/api/notifications',
        orm,
        types: options.types,
        links: unsubscribe,
        productName: options.email.brand.name,
      });
      await scope.register(resendWebhookRoute, {
        prefix: '/api/notifications',
        orm,
        redis,
        redisPrefix: prefix,
        webhookSecret: options.email.webhookSecret,
      });
      if (options.healthRoutes) await scope.register(healthRoutes, ctx);
      openapiRoute(scope);
    },
    { prefix: options.routePrefix },
  );
}

const plugin = fp(trestaNotifications, { fastify: '5.x', name: 'tresta-notifications' });

export default plugin;
export { plugin as trestaNotifications };
export { optionsFromEnv } from './env.js';
export { startWorkers, type WorkerProcess } from './worker-process.js';
export * as errors from './errors.js';
export { trestaEntities, trestaSkipTables } from './db/entities/index.js';
export { migrationsList, MIGRATIONS_TABLE } from '../migrations/index.js';
export { DEFAULT_NOTIFICATION_TYPES, type EmailMode, type NotificationTypeConfig } from './notification-types.js';
export type { AuthenticatedUser, AuthenticateFunction, JwtAuthOptions } from './auth/types.js';
export type { TrestaNotificationsOptions, WorkerProcessOptions } from './options.js';
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
