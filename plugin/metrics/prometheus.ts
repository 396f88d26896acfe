import { Counter, Gauge, Registry } from 'prom-client';
import type { SystemMetrics } from './collect.js';
import type { DailyCounters } from './daily-counters.js';
import type { InstanceMetrics } from './instance-metrics.js';

/** The running totals behind the `_total` counters, by kind ('' where a counter has none). */
export interface CounterTotals {
  notificationsDelivered: Record<string, number>;
  emailsSent: Record<string, number>;
  emailsDeferred: Record<string, number>;
  emailsFailed: Record<string, number>;
  pushesSent: Record<string, number>;
  pushesCapped: Record<string, number>;
  pushesFailed: Record<string, number>;
}

export async function collectTotals(counters: DailyCounters): Promise<CounterTotals> {
  const [notificationsDelivered, emailsSent, emailsDeferred, emailsFailed, pushesSent, pushesCapped, pushesFailed] =
    await Promise.all([
      counters.total('notifications_sent'),
      counters.total('emails_sent'),
      counters.total('emails_deferred'),
      counters.total('emails_failed'),
      counters.total('pushes_sent'),
      counters.total('pushes_capped'),
      counters.total('pushes_failed'),
    ]);
  return { notificationsDelivered, emailsSent, emailsDeferred, emailsFailed, pushesSent, pushesCapped, pushesFailed };
}

/**
 * The kinds of email: `high` is a critical type's email (never refused by the budget), `normal` a
 * normal type's or an escalation's, `digest` a digest. Each series is shown from the start, at 0
 * until its first email, so that `rate()` sees the first one.
 */
const EMAIL_KINDS = ['high', 'normal', 'digest'] as const;

/**
 * GET /admin/metrics in Prometheus' text format: the cluster-wide series, then this instance's own.
 *
 * Cluster-wide series are read fresh at each scrape from Redis and Postgres, which every instance
 * shares: every instance answers the same figures (aggregate them with `max`, never `sum`). They go
 * on a registry made for the scrape, so nothing of them is kept between scrapes. The instance's
 * series (InstanceMetrics) accumulate in this process and differ per instance (aggregate with `sum`).
 */
export async function toPrometheus(
  metrics: SystemMetrics,
  totals: CounterTotals,
  instance: InstanceMetrics,
): Promise<{ contentType: string; body: string }> {
  const cluster = new Registry();
  const registers = [cluster];
  // Each series is named `tresta_<name>`: the prefix is added here, once.
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `tresta_${name}`, help: `${help} (cluster-wide)`, labelNames, registers });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `tresta_${name}`, help: `${help} (cluster-wide)`, labelNames, registers });

  counter('notifications_delivered_total', 'Notifications published to their users in real time').inc(
    totals.notificationsDelivered[''] ?? 0,
  );
  const sent = counter('emails_sent_total', 'Emails accepted by the provider, by kind (high, normal, digest)', ['kind']);
  const failed = counter('emails_failed_total', 'Emails that failed for good, by kind (high, normal, digest)', ['kind']);
  for (const kind of EMAIL_KINDS) {
    sent.inc({ kind }, totals.emailsSent[kind] ?? 0);
    failed.inc({ kind }, totals.emailsFailed[kind] ?? 0);
  }
  counter('pushes_sent_total', 'Web pushes accepted by a push service').inc(totals.pushesSent[''] ?? 0);
  counter('pushes_capped_total', 'Web pushes dropped by the per-user hourly cap').inc(totals.pushesCapped[''] ?? 0);
  counter('pushes_failed_total', 'Web pushes refused for good').inc(totals.pushesFailed[''] ?? 0);
  counter('emails_deferred_total', 'Normal emails held back by the daily budget (to the next UTC day or a digest)').inc(
    totals.emailsDeferred[''] ?? 0,
  );

  gauge('email_quota_used', 'Emails counted against the daily limit this UTC day, every priority').set(metrics.quota.used);
  gauge('email_quota_limit', "The provider's daily cap on all email").set(metrics.quota.limit);
  gauge('email_quota_reserve', 'Places of the daily limit kept for critical email').set(metrics.quota.reserve);
  gauge('email_quota_remaining', 'Emails normal priority may still send this UTC day').set(metrics.quota.remaining);
  gauge('email_quota_locked', '1 while normal emails wait for the next UTC day, else 0').set(metrics.quota.locked ? 1 : 0);
  const depth = gauge('queue_jobs', 'Jobs per queue and state (waiting, active, delayed, failed)', ['queue', 'state']);
  for (const [queue, counts] of Object.entries(metrics.queues)) {
    for (const [state, count] of Object.entries(counts)) depth.set({ queue, state }, count);
  }
  gauge('dead_letters', 'Jobs that failed for good, kept for inspection and re-drive').set(metrics.deadLetters.total);
  gauge('outbox_backlog', 'Committed notifications not yet handed to the queue').set(metrics.outbox.backlog);
  gauge('outbox_oldest_age_seconds', 'Age of the oldest pending outbox row, 0 when none waits').set(
    metrics.outbox.oldestAgeSeconds ?? 0,
  );

  const both = Registry.merge([cluster, instance.registry]);
  return { contentType: both.contentType, body: await both.metrics() };
}
