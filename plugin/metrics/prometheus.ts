import { Gauge, Registry } from 'prom-client';
import type { SystemMetrics } from './collect.js';

/**
 * The same snapshot in Prometheus' text format. A registry per call: the figures are read fresh
 * at each scrape (they live in Redis and Postgres, shared by every instance), not accumulated here.
 */
export async function toPrometheus(metrics: SystemMetrics): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  gauge('tresta_notifications_sent_today', 'Notifications delivered in real time today (UTC)').set(
    metrics.notifications.sentToday,
  );
  gauge('tresta_emails_sent_today', 'Emails sent today (UTC)').set(metrics.emails.sentToday);
  gauge('tresta_emails_deferred_today', 'Normal emails deferred to the next UTC day today').set(metrics.emails.deferredToday);
  gauge('tresta_email_quota_locked', '1 while normal emails wait for the next UTC day').set(metrics.quota.locked ? 1 : 0);
  gauge('tresta_emails_failed_today', 'Emails that failed for good today (UTC)').set(metrics.emails.failedToday);
  gauge('tresta_email_quota_used', 'Emails counted today, every priority, per recipient').set(metrics.quota.used);
  gauge('tresta_email_quota_limit', "The provider's daily cap on all email").set(metrics.quota.limit);
  gauge('tresta_email_quota_reserve', 'Places of the daily limit kept for critical email').set(metrics.quota.reserve);
  gauge('tresta_email_quota_remaining', 'Emails normal priority may still send today').set(metrics.quota.remaining);
  gauge('tresta_pushes_sent_today', 'Web pushes accepted by a push service today (UTC)').set(metrics.pushes.sentToday);
  gauge('tresta_pushes_capped_today', 'Web pushes dropped by the per-user hourly cap today (UTC)').set(
    metrics.pushes.cappedToday,
  );
  gauge('tresta_pushes_failed_today', 'Web pushes refused for good today (UTC)').set(metrics.pushes.failedToday);
  gauge('tresta_realtime_connections', 'Live WebSocket connections on this instance').set(metrics.realtime.connections);
  const depth = gauge('tresta_queue_jobs', 'Jobs per queue and state', ['queue', 'state']);
  for (const [queue, counts] of Object.entries(metrics.queues)) {
    for (const [state, count] of Object.entries(counts)) depth.set({ queue, state }, count);
  }
  gauge('tresta_dead_letters', 'Jobs that failed for good').set(metrics.deadLetters.total);
  gauge('tresta_outbox_backlog', 'Committed notifications not yet handed to the queue').set(metrics.outbox.backlog);
  gauge('tresta_outbox_oldest_age_seconds', 'Age of the oldest pending outbox row').set(metrics.outbox.oldestAgeSeconds ?? 0);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
