import type { FastifyBaseLogger } from 'fastify';
import { Alerter } from '../alerts/alerter.js';
import { createSlackSender } from '../alerts/slack.js';
import { reportNamedStatementsOff } from '../data/prepared.js';
import { connectDatabase, type DatabaseHandle } from '../db/connect.js';
import { createUnsubscribeLinks, type UnsubscribeLinks } from '../email/unsubscribe.js';
import { startWorkerRuntime, type WorkerRuntime } from '../jobs/runtime.js';
import { DailyCounters } from '../metrics/daily-counters.js';
import type { DeliveryLatency } from '../metrics/instance-metrics.js';
import { BudgetAlerts } from '../quota/budget-alerts.js';
import { QuotaGuard } from '../quota/quota-guard.js';
import { createRealtimeTransports, type RealtimeTransports } from '../realtime/transports.js';
import { connectRedis, type RedisClient, type RedisRole } from '../redis/connect.js';
import { UnreadCounts } from '../services/unread-counts.js';
import type { ResolvedWorkerOptions } from './options.js';

/** What every process of the plugin holds, API instance and worker process alike: made once, here. */
export interface ProcessServices {
  database: DatabaseHandle;
  /** The process's connection for plain commands. */
  redis: RedisClient;
  /** Opens another connection to the same Redis, for what blocks or subscribes. */
  openRedis: (role: RedisRole) => RedisClient;
  counters: DailyCounters;
  transports: RealtimeTransports;
  /** One per process: the unsubscribe route verifies what this process's emails carry. */
  unsubscribe: UnsubscribeLinks;
  /** The one email quota guard: the routes read it, the email workers and scheduled jobs reserve and reconcile through it. */
  quota: QuotaGuard;
  /** Each user's unread count, cached in Redis: the routes read it, every write that changes one drops it. */
  unreadCounts: UnreadCounts;
  /** The relay and the workers, when this process runs them; else null. */
  workers: WorkerRuntime | null;
  /** Stops the workers (draining them), then flushes the counters and closes Redis and the database. */
  close: () => Promise<void>;
}

/**
 * Queues a write while the connection comes up (the first flush may come before it is ready), and
 * gives up on it after one retry when Redis is away: the counts are best effort.
 */
const COUNTERS_ROLE: RedisRole = { enableOfflineQueue: true, maxRetriesPerRequest: 1 };

/** Whether this process runs the relay and workers, and where it times their publishes (null: not served here). */
export type WorkersRole = { deliveryLatency: DeliveryLatency | null } | null;

/**
 * The composition root of both entry points, the Fastify plugin and the worker process: opens the
 * connections and builds the shared services in one order, so the two cannot drift apart.
 */
export async function startProcessServices(
  options: ResolvedWorkerOptions,
  log: FastifyBaseLogger,
  workersRole: WorkersRole,
): Promise<ProcessServices> {
  const prefix = options.redis.prefix;
  const database = await connectDatabase(options);
  reportNamedStatementsOff(database.orm, log);
  const { redis, open: openRedis, close: closeRedis } = await connectRedis(options.redis);
  // The dashboard counters write on a connection of their own: never queued behind the queues'
  // BullMQ scripts that `redis` carries in an API instance. It sends nothing while nothing is counted.
  const countersRedis = openRedis(COUNTERS_ROLE);
  const counters = new DailyCounters(countersRedis, prefix);
  const transports = createRealtimeTransports(redis, prefix, options.realtime);
  const unsubscribe = createUnsubscribeLinks(options.email, log);
  const slack = options.alerts.slackWebhookUrl ? createSlackSender(options.alerts.slackWebhookUrl, log) : null;
  const alerter = new Alerter(redis, prefix, slack);
  const { email } = options;
  const quota = new QuotaGuard({
    redis,
    orm: database.orm,
    prefix,
    dailyLimit: email.dailyLimit,
    criticalReserve: email.criticalReserve,
    perUserHourlyLimit: email.perUserHourlyLimit,
    alerts: new BudgetAlerts(alerter, email.dailyLimit, email.criticalReserve),
  });
  const unreadCounts = new UnreadCounts({ redis, prefix, log });
  // Transactions the host begins after this point tell the cache when a notify() in them commits.
  unreadCounts.watchCommits(database.orm.em);
  const workers = workersRole
    ? await startWorkerRuntime({
        options,
        orm: database.orm,
        direct: database.direct,
        redis,
        openRedis,
        realtime: transports.separate,
        counters,
        deliveryLatency: workersRole.deliveryLatency,
        unsubscribe,
        alerter,
        quota,
        unreadCounts,
        log,
      })
    : null;
  return {
    database,
    redis,
    openRedis,
    counters,
    transports,
    unsubscribe,
    quota,
    unreadCounts,
    workers,
    close: async () => {
      await workers?.close();
      await counters.flush().catch(() => undefined);
      if (countersRedis.status === 'ready') await countersRedis.quit().catch(() => countersRedis.disconnect());
      else countersRedis.disconnect();
      await closeRedis();
      await database.close();
    },
  };
}
