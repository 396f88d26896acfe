import type { Queue } from 'bullmq';
import type { DailyCounters } from '../metrics/daily-counters.js';
import type { InstanceMetrics } from '../metrics/instance-metrics.js';
import type { QuotaGuard } from '../quota/quota-guard.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../redis/connect.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AuthenticatedUser } from '../auth/types.js';
import type { WebPushSettings } from '../push/settings.js';
import type { PushSubscriptions } from '../data/push-subscriptions.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import type { Publisher } from '../realtime/messages.js';
import type { RealtimeRouteOptions } from './realtime.js';
import type { WebSocketHub } from '../realtime/websocket-hub.js';
import type { UnsubscribeLinks } from '../email/unsubscribe.js';
import type { UnreadCounts } from '../services/unread-counts.js';

/** What the routes need from the plugin, handed to them at registration. */
export interface RouteContext {
  orm: MikroORM;
  redis: RedisClient;
  auth: Authenticator;
  types: Record<string, NotificationTypeConfig>;
  publisher: Publisher;
  realtime: RealtimeRouteOptions;
  redisPrefix: string;
  rateLimitPerMinute: number;
  /** Queues by name: metrics read their depths, dead letters are sent back to them. */
  queues: Record<string, Queue>;
  counters: DailyCounters;
  quota: QuotaGuard;
  /** Each user's unread count, cached in Redis; a route that changes one drops it after its write. */
  unreadCounts: UnreadCounts;
  realtimeConnections: () => number;
  /** This instance's Prometheus series, shown beside the cluster-wide ones. */
  instanceMetrics: InstanceMetrics;
  /** The origins the widget is served from: the only ones whose pages may change state with ambient credentials. */
  allowedOrigins: string[];
  /** `metrics.token`: a scraper's bearer token for GET /admin/metrics, or null. */
  metricsToken: string | null;
  /** `webPush`, or null when web push is off. */
  webPush: WebPushSettings | null;
  pushSubscriptions: PushSubscriptions;
  /** This instance's WebSocket clients. */
  hub: WebSocketHub;
  /** Sockets one client address may hold before they authenticate. */
  maxPendingSocketsPerIp: number;
  /** Upgrade requests one client address may make a minute, counted in Redis across instances. */
  upgradesPerMinutePerIp: number;
  /** Verifies the unsubscribe links the emails carry. */
  unsubscribeLinks: UnsubscribeLinks;
  /** The product's name, on the unsubscribe page. */
  productName: string;
  /** `email.webhookSecret`: verifies Resend's webhook signatures; null refuses every event. */
  webhookSecret: string | null;
  /** `healthRoutes`: whether /health/* are the plugin's. */
  healthRoutes: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the plugin's own routes only, from the verified token. */
    trestaUser: AuthenticatedUser | null;
  }
}
