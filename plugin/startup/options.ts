import { createECDH } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Cluster, ClusterOptions, Redis, RedisOptions, SentinelAddress } from 'ioredis';
import type { AlertSettings } from '../alerts/settings.js';
import type { AuthenticateFunction, AuthSettings, JwtAuthOptions } from '../auth/types.js';
import { embeddedDataDir, isEmbeddedUrl } from '../db/embedded-url.js';
import { DEFAULT_POOL_MAX, type DatabaseSettings } from '../db/settings.js';
import type { EmailSettings } from '../email/settings.js';
import { DEFAULT_BRAND, type Brand } from '../email/templates/brand.js';
import { InvalidOptionError } from '../errors.js';
import type { RetentionSettings } from '../jobs/scheduled/retention.js';
import { SCHEDULED_JOBS, type ScheduledJobName } from '../jobs/scheduling/schedules.js';
import type { JobSettings, SchedulePatterns, WorkerRuntimeSettings } from '../jobs/settings.js';
import { isBrowserPushService } from '../push/endpoint.js';
import type { WebPushSettings } from '../push/settings.js';
import type { RealtimeSettings } from '../realtime/settings.js';
import type { RedisSettings } from '../redis/settings.js';
import {
  CATEGORY_PATTERN,
  DEFAULT_NOTIFICATION_TYPES,
  SEVERITIES,
  TYPE_NAME_PATTERN,
  type EmailMode,
  type NotificationTypeConfig,
  type Severity,
} from '../notification-types.js';

// Every field below says what it does and, when leaving it out gives a value, that value as
// `@defaultValue`: as written in DEFAULTS (a literal) or, for a default computed from other options,
// in words. test/docs/option-defaults.test.ts holds these tags to docs/options.md and to what the
// resolver applies.

/** The look of every email; a field left out keeps Tresta's. */
export interface EmailBrandOptions {
  /**
   * The name shown in the header and the footer.
   * @defaultValue 'Tresta'
   */
  name?: string;
  /** An image URL for the header; left out, the header shows the name alone. */
  logoUrl?: string | null;
  /**
   * Buttons and the header rule: a hex colour such as `#4f46e5`.
   * @defaultValue '#4f46e5'
   */
  primaryColor?: string;
}

/**
 * Cron patterns (5 fields, UTC) of the scheduled jobs; a job left out keeps its own. Each job is
 * named here to carry its doc comment; one left unnamed still comes from `SchedulePatterns`, undocumented.
 */
export interface ScheduleOptions extends SchedulePatterns {
  /**
   * The digest: one email per user at their local `digestHour` (daily, or weekly on the local
   * Monday), so the pattern ticks hourly.
   * @defaultValue '0 * * * *'
   */
  digest?: string;
  /**
   * The nightly audit of a UTC day's email budget: Redis' counter beside the delivery log's counts.
   * @defaultValue '59 23 * * *'
   */
  reconciliation?: string;
  /**
   * Puts back work whose job vanished (Redis lost it) and releases deferred emails whose day has come.
   * @defaultValue '*\/15 * * * *'
   */
  redrive?: string;
  /**
   * The nightly deletion of what `retention` says is no longer needed.
   * @defaultValue '0 3 * * *'
   */
  retention?: string;
}

export interface TrestaNotificationsOptions {
  /** Where the plugin's Postgres is: a URL (the plugin opens its own MikroORM), or the host's MikroORM. */
  database: (
    | {
        /** Postgres URL; may be a transaction pooler (PgBouncer, Supabase, Neon's `-pooler` host). */
        url: string;
        /**
         * The plugin's own pool of connections to `url`, per process.
         * @defaultValue { max: 5 }
         */
        pool?: {
          /**
           * Connections at most; the pool opens them as needed.
           * @defaultValue 5
           */
          max?: number;
        };
      }
    | {
        /** The host's initialized MikroORM, whose `entities` include `trestaEntities`; its pool serves and the host closes it. */
        orm: MikroORM;
      }
  ) & {
    /**
     * A direct session connection (not through a transaction pooler) for migrations and the
     * outbox relay's LISTEN (env `DIRECT_URL`).
     * @defaultValue the connection of `url` (or of the host's ORM)
     */
    directUrl?: string;
  };
  /** Where the plugin's Redis is: exactly one of `url`, `connection`, `cluster` or `sentinel`. */
  redis: (
    | {
        /** A `redis://` or `rediss://` URL. */
        url: string;
      }
    | {
        /** The host's ioredis `Redis` or `Cluster`, left open on close. */
        connection: Redis | Cluster;
      }
    | {
        /** A Redis Cluster. */
        cluster: {
          /** Seed nodes as redis:// URLs (env `REDIS_CLUSTER_NODES`). */
          nodes: string[];
          /**
           * ioredis' cluster options.
           * @defaultValue {}
           */
          options?: ClusterOptions;
        };
      }
    | {
        /** Sentinel: where the sentinels are and the master's name, plus ioredis options. */
        sentinel: {
          /** The sentinels' addresses (env `REDIS_SENTINELS`). */
          sentinels: Array<Partial<SentinelAddress>>;
          /** The master's name (env `REDIS_SENTINEL_NAME`). */
          name: string;
        } & Omit<RedisOptions, 'sentinels' | 'name'>;
      }
  ) & {
    /**
     * First segment of every key and queue; on a cluster the plugin adds hash tags itself.
     * @defaultValue 'tresta'
     */
    prefix?: string;
  };
  /** Who is calling: session tokens the plugin verifies, or the host's own scheme. */
  auth:
    | {
        /** Verify Clerk-compatible RS256 session tokens. */
        jwt: JwtAuthOptions;
      }
    | {
        /**
         * Instead of `jwt`: the host's own scheme (a session cookie, say), answering the caller or
         * null. Such a credential may be sent by the browser on its own, so `realtime.allowedOrigins`
         * then guards every write.
         */
        authenticate: AuthenticateFunction;
      };
  /**
   * The host app's URL: links in emails start with it, and the built-in WebSocket accepts its origin.
   * @defaultValue 'http://localhost:3000'
   */
  appUrl?: string;
  /** How email is sent, budgeted and unsubscribed from. */
  email?: {
    /** Resend's API key; without it (or with `enabled: false`) every email lands in the local mailbox. */
    resendApiKey?: string;
    /**
     * The sender of every email.
     * @defaultValue 'Tresta <notifications@tresta.app>'
     */
    from?: string;
    /**
     * Send through Resend when a key is set; false keeps every email in the local mailbox.
     * @defaultValue true
     */
    enabled?: boolean;
    /**
     * The provider's daily cap on all email (UTC day), critical email included.
     * @defaultValue 200
     */
    dailyLimit?: number;
    /**
     * Places of `dailyLimit` held back for critical email: normal and digest email stop once the
     * day's total reaches `dailyLimit − criticalReserve`. Critical email is never refused.
     * @defaultValue 10 % of `dailyLimit`, rounded up
     */
    criticalReserve?: number;
    /**
     * Normal and digest emails one user receives per hour at most (critical ones are counted, never held back).
     * @defaultValue 10
     */
    perUserHourlyLimit?: number;
    /** Where a user's email goes: their address (and name), or null; without it no email is sent. */
    resolveRecipient?: (userId: string) => Promise<{ email: string; name?: string } | null>;
    /**
     * Resend's API (tests point it at a fake).
     * @defaultValue 'https://api.resend.com'
     */
    baseUrl?: string;
    /**
     * The look of every email.
     * @defaultValue Tresta, no logo, `#4f46e5`
     */
    brand?: EmailBrandOptions;
    /**
     * The provider's rate limit, shared by all worker processes (Resend: 10/s today; 2 and 5 in older plans).
     * @defaultValue 10
     */
    requestsPerSecond?: number;
    /**
     * Emails sent at once by each worker process.
     * @defaultValue 5
     */
    concurrency?: number;
    /**
     * Signs one-click unsubscribe links (at least 32 characters); without it and without
     * `resendApiKey`, links are valid only while the process that made them runs.
     * @defaultValue derived from `resendApiKey` and `unsubscribeUrl`
     */
    unsubscribeSecret?: string;
    /**
     * The unsubscribe route as the world reaches it (also the links' audience).
     * @defaultValue `<origin of appUrl><prefix>/api/notifications/unsubscribe`
     */
    unsubscribeUrl?: string;
    /**
     * Days an unsubscribe link stays valid, counted from its email: the notification's creation, or
     * a digest's first rendering; an expired link answers with the way to the user's settings.
     * @defaultValue 60
     */
    unsubscribeLinkDays?: number;
    /** The Resend webhook's signing secret (`whsec_…`); the webhook route answers 404 without it. */
    webhookSecret?: string;
  };
  /** Real-time delivery: Ably beside the built-in WebSocket, the sockets' limits, the widget's polling. */
  realtime?: {
    /** An Ably key (`appId.keyId:secret`): publish to Ably too, and serve `/api/ably/token`. */
    ablyApiKey?: string;
    /**
     * Ably publishing on (env `ENABLE_REAL_NOTIFICATIONS`); the built-in WebSocket is always on.
     * @defaultValue true
     */
    enabled?: boolean;
    /**
     * Origins the built-in WebSocket accepts; with `auth.authenticate`, also the only origins whose
     * pages may change state.
     * @defaultValue `[origin of appUrl]`
     */
    allowedOrigins?: string[];
    /**
     * Passed to Ably's REST client; its browser-safe part reaches the widget's own Ably client.
     * @defaultValue {}
     */
    ablyClientOptions?: Record<string, unknown>;
    /**
     * How often the widget polls when no real-time transport connects.
     * @defaultValue 30_000
     */
    pollIntervalMs?: number;
    /**
     * Built-in WebSockets one user may hold on one instance; one more is closed with 4429.
     * @defaultValue 10
     */
    maxSocketsPerUser?: number;
    /**
     * WebSockets one client address may hold before they authenticate (each has 5 s to do so);
     * one more is closed with 4429. Behind a proxy, set Fastify's `trustProxy` so the address is the client's.
     * @defaultValue 50
     */
    maxPendingSocketsPerIp?: number;
    /**
     * WebSocket upgrades one client address may request a minute, across instances (Redis); more → 429.
     * @defaultValue 120
     */
    upgradesPerMinutePerIp?: number;
    /**
     * Bytes queued for one socket that has stopped reading before it is cut (the client reconnects
     * and refetches); the default is 1 MiB.
     * @defaultValue 1_048_576
     */
    maxBufferedBytes?: number;
  };
  /** Operational alerts, and the worker processes' checks of Postgres and Redis. */
  alerts?: {
    /** A Slack incoming webhook for operational alerts and the email budget's. */
    slackWebhookUrl?: string;
    /**
     * How often worker processes check that Postgres and Redis answer (a query and a PING each
     * time); the default is 2 min.
     * @defaultValue 120_000
     */
    checkIntervalMs?: number;
  };
  /**
   * Notification types beyond the defaults: how each is emailed, its `category`, `severity` and
   * whether it is `required` (no preference turns it off). Naming a built-in type changes only the fields given.
   * @defaultValue the five built-in types
   */
  types?: Record<string, NotificationTypeConfig>;
  /** How the workers and the outbox relay pace themselves. */
  jobs?: {
    /**
     * Jobs processed at once by each worker.
     * @defaultValue 50
     */
    concurrency?: number;
    /**
     * How long a job stays claimed by a worker that stopped answering (killed, frozen) before
     * another worker takes it over. Shorter recovers faster; too short re-runs slow jobs.
     * @defaultValue 30_000
     */
    lockDurationMs?: number;
    /**
     * Outbox rows the relay claims and enqueues at a time.
     * @defaultValue 500
     */
    relayClaimSize?: number;
    /**
     * Seconds an idle worker waits on Redis for a job before it asks again (one BZPOPMIN and one
     * script each time). A new job wakes it at once and a delayed job is still taken when due, so
     * a longer wait only saves commands; keep it under the idle timeout of anything between the
     * process and Redis (a NAT gateway's is often 350 s).
     * @defaultValue 300
     */
    drainDelaySeconds?: number;
    /**
     * How often each worker looks for jobs whose worker died (one script each time): a killed
     * worker's jobs are taken over within `lockDurationMs` plus this (5 min unless the lock is set).
     * @defaultValue `300000`, or `jobs.lockDurationMs` when that is set
     */
    stalledCheckIntervalMs?: number;
    /**
     * The outbox relay's slowest poll while LISTEN hears NOTIFY: after each empty poll it waits
     * eight times as long (1 s, 8 s, 64 s, …) up to this (NOTIFY wakes it at once; the poll only catches a lost
     * NOTIFY). Without LISTEN it polls every 250 ms whatever this says. The default is 5 min.
     * @defaultValue 300_000
     */
    relayIdlePollMs?: number;
  };
  /** What the nightly retention job deletes (see docs/operations.md, "Scheduled jobs"). */
  retention?: {
    /**
     * Days a delivery log row in a final state, a digest row and a job-run row are kept.
     * @defaultValue 30
     */
    deliveryLogDays?: number;
    /** Delete read notifications older than this many days; left out, they are kept. */
    readNotificationsDays?: number;
    /**
     * Rows per delete statement.
     * @defaultValue 1_000
     */
    batchSize?: number;
  };
  /** Cron patterns (UTC) in place of the scheduled jobs' own. */
  schedules?: ScheduleOptions;
  /**
   * Run the outbox relay, the workers and the scheduled jobs in this process; false for API-only replicas.
   * @defaultValue true
   */
  workers?: boolean;
  /**
   * Apply pending migrations at start (instances take turns on an advisory lock).
   * @defaultValue true
   */
  migrate?: boolean;
  /**
   * Requests per user per minute on the notification routes.
   * @defaultValue 100
   */
  apiRateLimitPerMinute?: number;
  /**
   * How long `app.close()` (and a worker process on SIGTERM) waits for active jobs before closing
   * anyway; their jobs are then taken over by another worker. Fits a 30 s termination grace period.
   * @defaultValue 25_000
   */
  shutdownTimeoutMs?: number;
  /**
   * A path every route of the plugin moves under (`/v1` → `/v1/api/notifications`, `/v1/health/live`,
   * `/v1/admin/metrics`), and the links in emails with them. Fastify's own `prefix` does not reach
   * into this plugin's routes (it shares the host's scope, to decorate it), so it is an option.
   * Left out, the routes stay at the root.
   * @defaultValue ''
   */
  prefix?: string;
  /** The Prometheus route, `GET /admin/metrics`. */
  metrics?: {
    /**
     * A bearer token (at least 32 characters) that `GET /admin/metrics` accepts besides an admin's
     * session, for a scraper such as Prometheus that cannot renew a session token; it opens that
     * route only (`METRICS_TOKEN`).
     * @defaultValue none: admins only
     */
    token?: string;
    /**
     * Add this process's CPU, memory, file descriptor, event-loop and GC metrics (prom-client's
     * default metrics: `process_*`, `nodejs_*`) to the Prometheus output (`METRICS_PROCESS=true`).
     * Off by default: they describe the host's process, which a host that exports its own metrics
     * already reports.
     * @defaultValue false
     */
    processMetrics?: boolean;
  };
  /**
   * Web push (lock-screen notifications) with VAPID, no vendor account: types opt in with
   * `push: true` (env `VAPID_PUBLIC_KEY`, `VAPID_PRIVATE_KEY`, `VAPID_SUBJECT`).
   * @defaultValue none: web push is off
   */
  webPush?: {
    /** The VAPID public key: an uncompressed P-256 point, base64url (web-push's `generateVAPIDKeys()`). */
    vapidPublicKey: string;
    /** Its private key (32 bytes, base64url). */
    vapidPrivateKey: string;
    /** Who push services can contact about our pushes: a `mailto:` or `https:` URL. */
    subject: string;
    /**
     * Which subscription endpoints users may register; replaces the default, which is never a
     * loopback or private address.
     * @defaultValue the browsers' push services over https
     */
    allowEndpoint?: (url: URL) => boolean;
    /**
     * Pushes one user receives per hour at most (each browser counts); more are dropped, not
     * delayed: a late lock-screen alert helps nobody. Critical types are counted, never dropped.
     * @defaultValue 30
     */
    perUserHourlyLimit?: number;
    /**
     * The image shown beside a push (an https URL, or a path on the page's origin).
     * @defaultValue none: the browser's
     */
    icon?: string;
  };
  /**
   * Serve `/health/live` and `/health/ready`; false for a host that serves its own.
   * @defaultValue true
   */
  healthRoutes?: boolean;
}

/** The options of a standalone worker process: the plugin's, less what only HTTP needs. */
export type WorkerProcessOptions = Omit<
  TrestaNotificationsOptions,
  'auth' | 'workers' | 'apiRateLimitPerMinute' | 'healthRoutes' | 'metrics'
>;

/** A worker process's options once validated and defaulted: each module's settings. */
export interface ResolvedWorkerOptions extends WorkerRuntimeSettings {
  database: DatabaseSettings;
  realtime: RealtimeSettings;
  migrate: boolean;
  /** `prefix`: '' or a path such as `/v1`. */
  routePrefix: string;
}

/** The options once validated and defaulted: what the rest of the plugin reads. */
export interface ResolvedOptions extends ResolvedWorkerOptions {
  auth: AuthSettings;
  workers: boolean;
  apiRateLimitPerMinute: number;
  healthRoutes: boolean;
  metricsToken: string | null;
  /** `metrics.processMetrics`. */
  processMetrics: boolean;
}

/**
 * What an option left out becomes, by the option's path: the one place the resolver takes a
 * default from (the `@defaultValue` tags above repeat these, and a test holds them equal).
 */
const DEFAULTS = {
  database: { pool: { max: DEFAULT_POOL_MAX } },
  redis: { prefix: 'tresta', cluster: { options: {} } },
  auth: { jwt: { adminClaim: 'role', adminRole: 'admin', clockToleranceSeconds: 5 } },
  appUrl: 'http://localhost:3000',
  email: {
    from: 'Tresta <notifications@tresta.app>',
    enabled: true,
    dailyLimit: 200,
    /** Not an option: the critical reserve's share of `dailyLimit` when `criticalReserve` is left out. */
    criticalReserveShare: 0.1,
    perUserHourlyLimit: 10,
    baseUrl: 'https://api.resend.com',
    brand: DEFAULT_BRAND,
    requestsPerSecond: 10,
    concurrency: 5,
    unsubscribeLinkDays: 60,
  },
  realtime: {
    enabled: true,
    ablyClientOptions: {},
    pollIntervalMs: 30_000,
    maxSocketsPerUser: 10,
    maxPendingSocketsPerIp: 50,
    upgradesPerMinutePerIp: 120,
    maxBufferedBytes: 1_048_576,
  },
  alerts: { checkIntervalMs: 120_000 },
  jobs: {
    concurrency: 50,
    lockDurationMs: 30_000,
    relayClaimSize: 500,
    drainDelaySeconds: 300,
    stalledCheckIntervalMs: 300_000,
    relayIdlePollMs: 300_000,
  },
  retention: { deliveryLogDays: 30, batchSize: 1_000 },
  workers: true,
  migrate: true,
  apiRateLimitPerMinute: 100,
  shutdownTimeoutMs: 25_000,
  prefix: '',
  metrics: { processMetrics: false },
  webPush: { perUserHourlyLimit: 30 },
  healthRoutes: true,
} as const;

const EMAIL_MODES: readonly EmailMode[] = ['immediate', 'normal', 'digest', 'none'];

function fail(option: string, why: string): never {
  throw new InvalidOptionError(option, why);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) fail(option, 'must be a non-empty string');
  return value;
}

function optionalBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be a boolean');
  return value;
}

function positiveInteger(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(option, 'must be a positive integer');
  return value;
}

function httpUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, 'must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(option, 'must be an http(s) URL');
  return value;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Keys fetched over plain http could be swapped by anyone on the path: only a local server may use it. */
function httpsUnlessLoopback(value: string, option: string): string {
  const url = new URL(httpUrl(value, option));
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    fail(option, 'must be an https URL (http only for localhost)');
  return value;
}

function optionalFunction<T>(value: unknown, option: string): T | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') fail(option, 'must be a function');
  return value as T;
}

function postgresUrl(value: unknown, option: string): string | undefined {
  const url = optionalString(value, option);
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) fail(option, 'must be a postgresql:// URL');
  return url;
}

function resolveDatabase(value: unknown): DatabaseSettings {
  if (!isObject(value)) fail('database', 'is required: { url } or { orm }');
  const directUrl = postgresUrl(value.directUrl, 'database.directUrl') ?? null;
  if (value.orm !== undefined) {
    const orm = value.orm as MikroORM;
    if (!isObject(orm) || typeof orm.em !== 'object' || typeof orm.getMetadata !== 'function') {
      fail('database.orm', 'must be an initialized MikroORM instance');
    }
    if (!orm.getMetadata().has('TrestaNotification')) {
      fail('database.orm', "does not know the plugin's entities: add `trestaEntities` to its `entities`");
    }
    if (value.pool !== undefined) fail('database.pool', "is the plugin's own pool: with `orm` the host's pool serves");
    return { kind: 'orm', orm, directUrl };
  }
  const url = optionalString(value.url, 'database.url') ?? fail('database', 'needs `url` or `orm`');
  if (value.pool !== undefined && !isObject(value.pool)) fail('database.pool', 'must be an object: { max }');
  const poolMax = positiveInteger(
    (value.pool as { max?: unknown } | undefined)?.max,
    'database.pool.max',
    DEFAULTS.database.pool.max,
  );
  if (isEmbeddedUrl(url)) {
    if (embeddedDataDir(url) === undefined) fail('database.url', 'must name a folder: pglite://<folder>, or pglite://memory');
    if (directUrl !== null) fail('database.directUrl', 'does not apply to an embedded database');
    return { kind: 'url', url, poolMax, directUrl };
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    fail('database.url', 'must be a postgresql:// URL, or pglite://<folder> for an embedded database');
  }
  return { kind: 'url', url, poolMax, directUrl };
}

const REDIS_SOURCES = ['url', 'connection', 'cluster', 'sentinel'] as const;

function redisUrl(value: unknown, option: string): string {
  const url = optionalString(value, option) ?? fail(option, 'must be a redis:// or rediss:// URL');
  if (!/^rediss?:\/\//.test(url)) fail(option, 'must be a redis:// or rediss:// URL');
  return url;
}

function resolveRedis(value: unknown): RedisSettings {
  if (!isObject(value)) fail('redis', 'is required: { url }, { connection }, { cluster } or { sentinel }');
  const prefix = optionalString(value.prefix, 'redis.prefix') ?? DEFAULTS.redis.prefix;
  if (prefix.includes(':')) fail('redis.prefix', 'must not contain ":" (BullMQ uses it as a separator)');
  const given = REDIS_SOURCES.filter((source) => value[source] !== undefined);
  if (given.length === 0) fail('redis', 'needs `url`, `connection`, `cluster` or `sentinel`');
  if (given.length > 1)
    fail('redis', `takes one of \`url\`, \`connection\`, \`cluster\`, \`sentinel\` (got ${given.join(', ')})`);
  if (value.connection !== undefined) {
    const connection = value.connection as Redis | Cluster;
    if (!isObject(connection) || typeof connection.duplicate !== 'function') {
      fail('redis.connection', 'must be an ioredis Redis or Cluster instance');
    }
    return { kind: 'connection', connection, prefix };
  }
  if (value.cluster !== undefined) {
    const cluster = value.cluster;
    if (!isObject(cluster) || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
      fail('redis.cluster.nodes', 'must be a non-empty array of redis:// URLs');
    }
    const nodes = cluster.nodes.map((node: unknown, i: number) => redisUrl(node, `redis.cluster.nodes[${i}]`));
    if (cluster.options !== undefined && !isObject(cluster.options)) fail('redis.cluster.options', 'must be an object');
    return { kind: 'cluster', nodes, options: (cluster.options ?? DEFAULTS.redis.cluster.options) as ClusterOptions, prefix };
  }
  if (value.sentinel !== undefined) {
    const sentinel = value.sentinel;
    if (!isObject(sentinel)) fail('redis.sentinel', 'must be an object: { sentinels, name }');
    const { sentinels } = sentinel;
    if (
      !Array.isArray(sentinels) ||
      sentinels.length === 0 ||
      !sentinels.every(
        (s: unknown) => isObject(s) && typeof s.host === 'string' && (s.port === undefined || Number.isInteger(s.port)),
      )
    ) {
      fail('redis.sentinel.sentinels', 'must be a non-empty array of { host, port }');
    }
    optionalString(sentinel.name, 'redis.sentinel.name') ?? fail('redis.sentinel.name', "is required: the master's name");
    return { kind: 'sentinel', options: sentinel as RedisOptions, prefix };
  }
  return { kind: 'url', url: redisUrl(value.url, 'redis.url'), prefix };
}

function resolveAuth(value: unknown): AuthSettings {
  if (!isObject(value)) fail('auth', 'is required: { jwt } or { authenticate }');
  if (value.authenticate !== undefined) {
    const authenticate = optionalFunction<AuthenticateFunction>(value.authenticate, 'auth.authenticate');
    return { kind: 'custom', authenticate: authenticate as AuthenticateFunction };
  }
  const jwt = value.jwt;
  if (!isObject(jwt)) fail('auth', 'needs `jwt` or `authenticate`');
  const jwksUrl = optionalString(jwt.jwksUrl, 'auth.jwt.jwksUrl');
  const publicKey = optionalString(jwt.publicKey, 'auth.jwt.publicKey');
  if (!jwksUrl && !publicKey) fail('auth.jwt', 'needs `jwksUrl` or `publicKey`');
  if (jwksUrl) httpsUnlessLoopback(jwksUrl, 'auth.jwt.jwksUrl');
  if (publicKey && !publicKey.includes('-----BEGIN PUBLIC KEY-----')) {
    fail('auth.jwt.publicKey', 'must be a PEM (SPKI) public key');
  }
  const authorizedParties = jwt.authorizedParties;
  if (
    authorizedParties !== undefined &&
    (!Array.isArray(authorizedParties) || !authorizedParties.every((p) => typeof p === 'string'))
  ) {
    fail('auth.jwt.authorizedParties', 'must be an array of origins');
  }
  const clockToleranceSeconds = jwt.clockToleranceSeconds ?? DEFAULTS.auth.jwt.clockToleranceSeconds;
  if (typeof clockToleranceSeconds !== 'number' || clockToleranceSeconds < 0) {
    fail('auth.jwt.clockToleranceSeconds', 'must be a number of seconds ≥ 0');
  }
  return {
    kind: 'jwt',
    jwt: {
      jwksUrl,
      publicKey,
      issuer: optionalString(jwt.issuer, 'auth.jwt.issuer'),
      authorizedParties: authorizedParties as string[] | undefined,
      adminClaim: optionalString(jwt.adminClaim, 'auth.jwt.adminClaim') ?? DEFAULTS.auth.jwt.adminClaim,
      adminRole: optionalString(jwt.adminRole, 'auth.jwt.adminRole') ?? DEFAULTS.auth.jwt.adminRole,
      clockToleranceSeconds,
    },
  };
}

const TYPE_OPTION_KEYS = new Set(['email', 'category', 'severity', 'required', 'escalateAfterMinutes', 'push']);

function resolveTypes(value: unknown): Record<string, NotificationTypeConfig> {
  const types: Record<string, NotificationTypeConfig> = { ...DEFAULT_NOTIFICATION_TYPES };
  if (value === undefined) return types;
  if (!isObject(value)) fail('types', 'must be an object of { [TYPE]: { email, category?, severity?, required? } }');
  for (const [name, config] of Object.entries(value)) {
    if (!TYPE_NAME_PATTERN.test(name)) fail(`types.${name}`, 'must be UPPER_SNAKE_CASE, at most 64 characters');
    if (!isObject(config) || !EMAIL_MODES.includes(config.email as EmailMode)) {
      fail(`types.${name}.email`, `must be one of ${EMAIL_MODES.join(', ')}`);
    }
    const unknown = Object.keys(config).find((key) => !TYPE_OPTION_KEYS.has(key));
    if (unknown !== undefined) fail(`types.${name}.${unknown}`, `is not a type option (${[...TYPE_OPTION_KEYS].join(', ')})`);
    const { category, severity, required } = config;
    if (category !== undefined && (typeof category !== 'string' || !CATEGORY_PATTERN.test(category))) {
      fail(`types.${name}.category`, 'must be 1–40 letters, digits, spaces, "_", "." or "-", starting with a letter or digit');
    }
    if (severity !== undefined && !SEVERITIES.includes(severity as Severity)) {
      fail(`types.${name}.severity`, `must be one of ${SEVERITIES.join(', ')}`);
    }
    if (required !== undefined && typeof required !== 'boolean') fail(`types.${name}.required`, 'must be a boolean');
    if (config.push !== undefined && typeof config.push !== 'boolean') fail(`types.${name}.push`, 'must be a boolean');
    // A built-in type named again keeps what the host leaves out (SECURITY_ALERT stays required unless told otherwise).
    const builtIn = DEFAULT_NOTIFICATION_TYPES[name];
    types[name] = {
      email: config.email as EmailMode,
      ...definedOnly({
        category: (category as string | undefined) ?? builtIn?.category,
        severity: (severity as Severity | undefined) ?? builtIn?.severity,
        required: (required as boolean | undefined) ?? builtIn?.required,
        push: (config.push as boolean | undefined) ?? builtIn?.push,
      }),
      ...resolveEscalation(name, config),
    };
  }
  return types;
}

/** The object without its undefined fields (the resolved types compare and print cleanly). */
function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** `escalateAfterMinutes`: a positive number of minutes, for a type emailed singly. */
function resolveEscalation(name: string, config: Record<string, unknown>): Pick<NotificationTypeConfig, 'escalateAfterMinutes'> {
  if (config.escalateAfterMinutes === undefined) return {};
  const option = `types.${name}.escalateAfterMinutes`;
  const minutes = positiveInteger(config.escalateAfterMinutes, option, 0);
  if (config.email !== 'normal' && config.email !== 'immediate') fail(option, "needs email: 'normal' or 'immediate'");
  return { escalateAfterMinutes: minutes };
}

function resolveRetention(value: unknown): RetentionSettings {
  if (value !== undefined && !isObject(value)) fail('retention', 'must be an object');
  const retention = value ?? {};
  return {
    deliveryLogDays: positiveInteger(retention.deliveryLogDays, 'retention.deliveryLogDays', DEFAULTS.retention.deliveryLogDays),
    readNotificationsDays:
      retention.readNotificationsDays === undefined
        ? null
        : positiveInteger(retention.readNotificationsDays, 'retention.readNotificationsDays', 0),
    batchSize: positiveInteger(retention.batchSize, 'retention.batchSize', DEFAULTS.retention.batchSize),
  };
}

// Five fields of digits, `*`, ranges, steps and lists: what BullMQ's cron parser accepts for these jobs.
const CRON_PATTERN = /^([\d*,/-]+\s+){4}[\d*,/-]+$/;

function resolveSchedules(value: unknown): SchedulePatterns {
  if (value === undefined) return {};
  if (!isObject(value)) fail('schedules', 'must be an object of { [job]: cron pattern }');
  const schedules: SchedulePatterns = {};
  for (const [name, pattern] of Object.entries(value)) {
    if (!(SCHEDULED_JOBS as readonly string[]).includes(name)) {
      fail(`schedules.${name}`, `is not a scheduled job (${SCHEDULED_JOBS.join(', ')})`);
    }
    if (typeof pattern !== 'string' || !CRON_PATTERN.test(pattern.trim())) {
      fail(`schedules.${name}`, 'must be a 5-field cron pattern');
    }
    schedules[name as ScheduledJobName] = pattern.trim();
  }
  return schedules;
}

function resolveJobs(value: unknown): JobSettings {
  if (value !== undefined && !isObject(value)) fail('jobs', 'must be an object');
  const jobs = value ?? {};
  const lockDurationMs = positiveInteger(jobs.lockDurationMs, 'jobs.lockDurationMs', DEFAULTS.jobs.lockDurationMs);
  return {
    concurrency: positiveInteger(jobs.concurrency, 'jobs.concurrency', DEFAULTS.jobs.concurrency),
    lockDurationMs,
    relayClaimSize: positiveInteger(jobs.relayClaimSize, 'jobs.relayClaimSize', DEFAULTS.jobs.relayClaimSize),
    drainDelaySeconds: positiveInteger(jobs.drainDelaySeconds, 'jobs.drainDelaySeconds', DEFAULTS.jobs.drainDelaySeconds),
    // A host that shortens the lock wants a dead worker's jobs back soon: the check follows the lock.
    stalledCheckIntervalMs: positiveInteger(
      jobs.stalledCheckIntervalMs,
      'jobs.stalledCheckIntervalMs',
      jobs.lockDurationMs === undefined ? DEFAULTS.jobs.stalledCheckIntervalMs : lockDurationMs,
    ),
    relayIdlePollMs: positiveInteger(jobs.relayIdlePollMs, 'jobs.relayIdlePollMs', DEFAULTS.jobs.relayIdlePollMs),
  };
}

function resolveBrand(value: unknown): Brand {
  if (value !== undefined && !isObject(value)) fail('email.brand', 'must be an object');
  const brand = value ?? {};
  const logoUrl = optionalString(brand.logoUrl, 'email.brand.logoUrl');
  if (logoUrl) httpUrl(logoUrl, 'email.brand.logoUrl');
  const primaryColor = optionalString(brand.primaryColor, 'email.brand.primaryColor') ?? DEFAULTS.email.brand.primaryColor;
  if (!/^#[0-9a-fA-F]{3,8}$/.test(primaryColor)) fail('email.brand.primaryColor', 'must be a hex colour like #4f46e5');
  return {
    name: optionalString(brand.name, 'email.brand.name') ?? DEFAULTS.email.brand.name,
    logoUrl: logoUrl ?? DEFAULTS.email.brand.logoUrl,
    primaryColor,
  };
}

function resolveEmail(value: unknown, appUrl: string, routePrefix: string): EmailSettings {
  if (value !== undefined && !isObject(value)) fail('email', 'must be an object');
  const email = value ?? {};
  const baseUrl = optionalString(email.baseUrl, 'email.baseUrl') ?? DEFAULTS.email.baseUrl;
  httpUrl(baseUrl, 'email.baseUrl');
  const unsubscribeSecret = optionalString(email.unsubscribeSecret, 'email.unsubscribeSecret') ?? null;
  if (unsubscribeSecret !== null && unsubscribeSecret.length < 32)
    fail('email.unsubscribeSecret', 'must be at least 32 characters');
  const unsubscribeUrl = httpUrl(
    optionalString(email.unsubscribeUrl, 'email.unsubscribeUrl') ??
      new URL(`${routePrefix}/api/notifications/unsubscribe`, appUrl).toString(),
    'email.unsubscribeUrl',
  );
  const webhookSecret = optionalString(email.webhookSecret, 'email.webhookSecret') ?? null;
  const dailyLimit = positiveInteger(email.dailyLimit, 'email.dailyLimit', DEFAULTS.email.dailyLimit);
  const criticalReserve = email.criticalReserve ?? Math.ceil(dailyLimit * DEFAULTS.email.criticalReserveShare);
  if (
    typeof criticalReserve !== 'number' ||
    !Number.isInteger(criticalReserve) ||
    criticalReserve < 0 ||
    criticalReserve >= dailyLimit
  ) {
    fail('email.criticalReserve', 'must be an integer from 0 to email.dailyLimit − 1');
  }
  if (webhookSecret !== null && !webhookSecret.startsWith('whsec_'))
    fail('email.webhookSecret', 'must be a "whsec_…" signing secret');
  return {
    resendApiKey: optionalString(email.resendApiKey, 'email.resendApiKey') ?? null,
    from: optionalString(email.from, 'email.from') ?? DEFAULTS.email.from,
    enabled: optionalBoolean(email.enabled, 'email.enabled', DEFAULTS.email.enabled),
    dailyLimit,
    criticalReserve,
    perUserHourlyLimit: positiveInteger(email.perUserHourlyLimit, 'email.perUserHourlyLimit', DEFAULTS.email.perUserHourlyLimit),
    resolveRecipient: optionalFunction(email.resolveRecipient, 'email.resolveRecipient'),
    baseUrl,
    brand: resolveBrand(email.brand),
    requestsPerSecond: positiveInteger(email.requestsPerSecond, 'email.requestsPerSecond', DEFAULTS.email.requestsPerSecond),
    concurrency: positiveInteger(email.concurrency, 'email.concurrency', DEFAULTS.email.concurrency),
    unsubscribeSecret,
    unsubscribeUrl,
    unsubscribeLinkDays: positiveInteger(
      email.unsubscribeLinkDays,
      'email.unsubscribeLinkDays',
      DEFAULTS.email.unsubscribeLinkDays,
    ),
    webhookSecret,
  };
}

function resolveRealtime(value: unknown, appUrl: string): RealtimeSettings {
  if (value !== undefined && !isObject(value)) fail('realtime', 'must be an object');
  const realtime = value ?? {};
  const allowedOrigins = realtime.allowedOrigins ?? [new URL(appUrl).origin];
  if (!Array.isArray(allowedOrigins) || !allowedOrigins.every((o) => typeof o === 'string')) {
    fail('realtime.allowedOrigins', 'must be an array of origins');
  }
  const ablyClientOptions = realtime.ablyClientOptions ?? DEFAULTS.realtime.ablyClientOptions;
  if (!isObject(ablyClientOptions)) fail('realtime.ablyClientOptions', 'must be an object');
  const ablyApiKey = optionalString(realtime.ablyApiKey, 'realtime.ablyApiKey') ?? null;
  if (ablyApiKey !== null && !/^[^.:]+\.[^.:]+:.+$/.test(ablyApiKey)) {
    fail('realtime.ablyApiKey', 'must look like "appId.keyId:secret"');
  }
  return {
    ablyApiKey,
    enabled: optionalBoolean(realtime.enabled, 'realtime.enabled', DEFAULTS.realtime.enabled),
    allowedOrigins: allowedOrigins as string[],
    ablyClientOptions,
    pollIntervalMs: positiveInteger(realtime.pollIntervalMs, 'realtime.pollIntervalMs', DEFAULTS.realtime.pollIntervalMs),
    maxSocketsPerUser: positiveInteger(
      realtime.maxSocketsPerUser,
      'realtime.maxSocketsPerUser',
      DEFAULTS.realtime.maxSocketsPerUser,
    ),
    maxPendingSocketsPerIp: positiveInteger(
      realtime.maxPendingSocketsPerIp,
      'realtime.maxPendingSocketsPerIp',
      DEFAULTS.realtime.maxPendingSocketsPerIp,
    ),
    upgradesPerMinutePerIp: positiveInteger(
      realtime.upgradesPerMinutePerIp,
      'realtime.upgradesPerMinutePerIp',
      DEFAULTS.realtime.upgradesPerMinutePerIp,
    ),
    maxBufferedBytes: positiveInteger(realtime.maxBufferedBytes, 'realtime.maxBufferedBytes', DEFAULTS.realtime.maxBufferedBytes),
  };
}

/** Validates what a worker process needs; the same rules and messages as at `register`. */
export function resolveWorkerOptions(options: unknown): ResolvedWorkerOptions {
  if (!isObject(options)) fail('options', 'must be an object');
  const appUrl = httpUrl(optionalString(options.appUrl, 'appUrl') ?? DEFAULTS.appUrl, 'appUrl');
  const alerts = resolveAlerts(options.alerts);
  const routePrefix = resolveRoutePrefix(options.prefix);
  return {
    database: resolveDatabase(options.database),
    redis: resolveRedis(options.redis),
    appUrl,
    email: resolveEmail(options.email, appUrl, routePrefix),
    realtime: resolveRealtime(options.realtime, appUrl),
    alerts,
    types: resolveTypes(options.types),
    jobs: resolveJobs(options.jobs),
    retention: resolveRetention(options.retention),
    schedules: resolveSchedules(options.schedules),
    migrate: optionalBoolean(options.migrate, 'migrate', DEFAULTS.migrate),
    shutdownTimeoutMs: positiveInteger(options.shutdownTimeoutMs, 'shutdownTimeoutMs', DEFAULTS.shutdownTimeoutMs),
    routePrefix,
    webPush: resolveWebPush(options.webPush),
  };
}

function resolveAlerts(value: unknown): AlertSettings {
  if (value !== undefined && !isObject(value)) fail('alerts', 'must be an object');
  const slackWebhookUrl = optionalString(value?.slackWebhookUrl, 'alerts.slackWebhookUrl') ?? null;
  if (slackWebhookUrl) httpUrl(slackWebhookUrl, 'alerts.slackWebhookUrl');
  return {
    slackWebhookUrl,
    checkIntervalMs: positiveInteger(value?.checkIntervalMs, 'alerts.checkIntervalMs', DEFAULTS.alerts.checkIntervalMs),
  };
}

/** '' or `/segment[/segment…]`: no trailing slash, nothing a URL path would have to escape. */
function resolveRoutePrefix(value: unknown): string {
  if (value === undefined || value === '') return DEFAULTS.prefix;
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(value)) {
    fail('prefix', 'must be a path such as "/v1" (starting with "/", no trailing "/")');
  }
  return value;
}

/** Validates and defaults every option, once, at register time; a bad option names itself. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const shared = resolveWorkerOptions(options);
  const raw = options as Record<string, unknown>;
  return {
    ...shared,
    auth: resolveAuth(raw.auth),
    workers: optionalBoolean(raw.workers, 'workers', DEFAULTS.workers),
    apiRateLimitPerMinute: positiveInteger(raw.apiRateLimitPerMinute, 'apiRateLimitPerMinute', DEFAULTS.apiRateLimitPerMinute),
    healthRoutes: optionalBoolean(raw.healthRoutes, 'healthRoutes', DEFAULTS.healthRoutes),
    ...resolveMetrics(raw.metrics),
  };
}

function resolveMetrics(value: unknown): Pick<ResolvedOptions, 'metricsToken' | 'processMetrics'> {
  if (value !== undefined && !isObject(value)) fail('metrics', 'must be an object');
  const metrics = value ?? {};
  const token = optionalString(metrics.token, 'metrics.token') ?? null;
  if (token !== null && (token.length < 32 || !/^[A-Za-z0-9\-_.~+/=]+$/.test(token))) {
    fail('metrics.token', 'must be at least 32 characters of a bearer token (letters, digits, -._~+/=)');
  }
  return {
    metricsToken: token,
    processMetrics: optionalBoolean(metrics.processMetrics, 'metrics.processMetrics', DEFAULTS.metrics.processMetrics),
  };
}

/** Base64url (with or without padding) to bytes; null when it is not base64url. */
function base64url(value: string): Buffer | null {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : null;
}

function resolveWebPush(value: unknown): WebPushSettings | null {
  if (value === undefined) return null;
  if (!isObject(value)) fail('webPush', 'must be an object: { vapidPublicKey, vapidPrivateKey, subject }');
  const publicKey =
    optionalString(value.vapidPublicKey, 'webPush.vapidPublicKey') ?? fail('webPush.vapidPublicKey', 'is required');
  const privateKey =
    optionalString(value.vapidPrivateKey, 'webPush.vapidPrivateKey') ?? fail('webPush.vapidPrivateKey', 'is required');
  const subject =
    optionalString(value.subject, 'webPush.subject') ?? fail('webPush.subject', 'is required: a mailto: or https: URL');
  const publicBytes = base64url(publicKey);
  if (publicBytes?.length !== 65 || publicBytes[0] !== 4) {
    fail('webPush.vapidPublicKey', 'must be an uncompressed P-256 public key (65 bytes), base64url');
  }
  const privateBytes = base64url(privateKey);
  if (privateBytes?.length !== 32) fail('webPush.vapidPrivateKey', 'must be a P-256 private key (32 bytes), base64url');
  // A mismatched pair signs tokens no push service accepts: every push would fail, silently, later.
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(privateBytes);
  } catch {
    fail('webPush.vapidPrivateKey', 'is not a valid P-256 private key');
  }
  if (!ecdh.getPublicKey().equals(publicBytes)) fail('webPush.vapidPrivateKey', 'does not belong to webPush.vapidPublicKey');
  if (!/^mailto:[^@\s]+@[^@\s]+$/.test(subject) && !/^https:\/\/[^\s]+$/.test(subject)) {
    fail('webPush.subject', 'must be a mailto: or https: URL (push services contact you there)');
  }
  return {
    vapidPublicKey: publicKey.replace(/=+$/, ''),
    vapidPrivateKey: privateKey.replace(/=+$/, ''),
    subject,
    allowEndpoint: optionalFunction<(url: URL) => boolean>(value.allowEndpoint, 'webPush.allowEndpoint') ?? isBrowserPushService,
    perUserHourlyLimit: positiveInteger(
      value.perUserHourlyLimit,
      'webPush.perUserHourlyLimit',
      DEFAULTS.webPush.perUserHourlyLimit,
    ),
    icon: resolvePushIcon(value.icon),
  };
}

function resolvePushIcon(value: unknown): string | null {
  const icon = optionalString(value, 'webPush.icon');
  if (icon === undefined) return null;
  if (/^\/(?!\/)/.test(icon)) return icon;
  return httpUrl(icon, 'webPush.icon');
}
