import type { FastifyInstance } from 'fastify';
import { collectMetrics } from '../../metrics/collect.js';
import { collectTotals, toPrometheus } from '../../metrics/prometheus.js';
import type { RouteContext } from '../context.js';

/** GET /admin/metrics: JSON, or Prometheus' text format when asked with `Accept: text/plain`. */
export function metricsRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/metrics', async (request, reply) => {
    const prometheus = request.headers.accept?.includes('text/plain') ?? false;
    const [metrics, totals] = await Promise.all([
      collectMetrics({
        em: ctx.orm.em.fork(),
        counters: ctx.counters,
        quota: ctx.quota,
        queues: ctx.queues,
        realtimeConnections: ctx.realtimeConnections(),
      }),
      prometheus ? collectTotals(ctx.counters) : null,
    ]);
    if (!totals) return metrics;
    const { contentType, body } = await toPrometheus(metrics, totals, ctx.instanceMetrics);
    return reply.type(contentType).send(body);
  });
}
