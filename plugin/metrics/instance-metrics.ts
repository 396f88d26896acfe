import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Where a publisher records how long a notification took to reach its user's screen. */
export interface DeliveryLatency {
  observe(seconds: number): void;
}

// prom-client's default metrics include gauges named `_total` (a sum of the per-type gauges beside
// them): Prometheus reads that suffix as a counter's, and promtool's lint refuses it. The per-type
// `nodejs_active_handles`, `…_requests` and `…_resources` carry the same figures.
const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

// From a message published at once, through the outbox and the queue, to one that waited out a
// backlog or an outage (past five minutes, only the +Inf bucket counts it).
const DELIVERY_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The series this process measures for itself: the HTTP requests it answered, the notifications it
 * published, its live WebSockets, and (with `metrics.processMetrics`) its CPU, memory and event
 * loop. Each instance reports its own; a dashboard sums them. They live on a registry of the
 * plugin's own, never prom-client's global one, which belongs to the host.
 */
export class InstanceMetrics {
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status_code'>;
  readonly deliveryLatency: Histogram;

  constructor(options: { processMetrics: boolean; realtimeConnections: () => number }) {
    const registers = [this.registry];
    this.httpRequestDuration = new Histogram({
      name: 'tresta_http_request_duration_seconds',
      help: "Time to answer a request to one of the plugin's routes (this instance), by route template, method and status code",
      labelNames: ['route', 'method', 'status_code'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'tresta_notification_delivery_latency_seconds',
      help: 'Time from a notification being created to its real-time message being published (this instance, as publisher)',
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'tresta_realtime_connections',
      help: 'Live WebSocket connections (this instance)',
      registers,
      collect() {
        this.set(options.realtimeConnections());
      },
    });
    if (options.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    }
  }
}
