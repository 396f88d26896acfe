import type { EntityManager } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import { backlogAndDeadLetters } from '../data/outbox.js';
import type { QuotaGuard } from '../quota/quota-guard.js';
import type { DailyCounters } from './daily-counters.js';

export interface SystemMetrics {
  notifications: { sentToday: number; lastDays: Array<{ date: string; count: number }> };
  emails: {
    sentToday: number;
    deferredToday: number;
    failedToday: number;
    lastDays: Array<{ date: string; sent: number; deferred: number; failed: number }>;
  };
  /**
   * `used`: every email counted today, critical included; `limit`: the provider's daily cap;
   * `reserve`: the part of it kept for critical email; `remaining`: what normal email may still
   * use; `locked` once normal emails wait for tomorrow; `nextRetryAt`: when they may go again.
   */
  quota: {
    used: number;
    limit: number;
    reserve: number;
    remaining: number;
    locked: boolean;
    nextRetryAt: string | null;
  };
  /** Web pushes today (UTC): accepted by a push service, dropped by the per-user cap, refused for good. */
  pushes: { sentToday: number; cappedToday: number; failedToday: number };
  realtime: { connections: number };
  queues: Record<string, { waiting: number; active: number; delayed: number; failed: number }>;
  deadLetters: { total: number };
  outbox: { backlog: number; oldestAgeSeconds: number | null };
}

export interface MetricsSources {
  em: EntityManager;
  counters: DailyCounters;
  quota: QuotaGuard;
  queues: Record<string, Queue>;
  /** Live WebSocket connections on this instance. */
  realtimeConnections: number;
}

/** One snapshot of what an operator looks at first: is it flowing, what is stuck, what failed. */
export async function collectMetrics(sources: MetricsSources): Promise<SystemMetrics> {
  const today = (name: string) => sources.counters.lastDays(name).then((days) => days.at(-1)?.count ?? 0);
  const [lastDays, emailsSent, emailsDeferred, emailsFailed, quota, nextRetryAt, queueCounts, database, pushes] =
    await Promise.all([
      sources.counters.lastDays('notifications_sent'),
      sources.counters.lastDays('emails_sent'),
      sources.counters.lastDays('emails_deferred'),
      sources.counters.lastDays('emails_failed'),
      sources.quota.usage(),
      sources.quota.nextRetryAt(),
      Promise.all(
        Object.entries(sources.queues).map(async ([name, queue]) => {
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
          const depth = {
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
          };
          return [name, depth] as const;
        }),
      ),
      backlogAndDeadLetters(sources.em.getConnection()),
      Promise.all([today('pushes_sent'), today('pushes_capped'), today('pushes_failed')]),
    ]);
  return {
    notifications: { sentToday: lastDays.at(-1)?.count ?? 0, lastDays },
    emails: {
      sentToday: emailsSent.at(-1)?.count ?? 0,
      deferredToday: emailsDeferred.at(-1)?.count ?? 0,
      failedToday: emailsFailed.at(-1)?.count ?? 0,
      lastDays: emailsSent.map(({ date, count }, i) => ({
        date,
        sent: count,
        deferred: emailsDeferred[i]?.count ?? 0,
        failed: emailsFailed[i]?.count ?? 0,
      })),
    },
    quota: { ...quota, locked: nextRetryAt !== null, nextRetryAt: nextRetryAt?.toISOString() ?? null },
    pushes: { sentToday: pushes[0], cappedToday: pushes[1], failedToday: pushes[2] },
    realtime: { connections: sources.realtimeConnections },
    queues: Object.fromEntries(queueCounts),
    deadLetters: { total: database?.dead_letters ?? 0 },
    outbox: {
      backlog: database?.backlog ?? 0,
      oldestAgeSeconds:
        database?.oldest_age === null || database?.oldest_age === undefined ? null : Math.round(database.oldest_age),
    },
  };
}
