import type { FastifyInstance } from 'fastify';
import { JobBusyError, NoWorkerError, UnknownJobError } from '../../errors.js';
import { QUEUES } from '../../jobs/registry.js';
import { runScheduledJobNow } from '../../jobs/scheduling/run-now.js';
import { isScheduledJobName } from '../../jobs/scheduling/schedules.js';
import type { RouteContext } from '../context.js';
import { emptyBodySchema } from '../schemas.js';

/**
 * POST /admin/jobs/:name/run: runs a scheduled job now, fenced like its scheduled run, and answers
 * with its outcome when it has finished: `{ job, period, status, ...outcome }` (for the digest,
 * outcome = { sent, skipped, carried }); status `already-completed` when the period's run had
 * finished before (its recorded outcome, nothing done again).
 */
export function jobRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Params: { name: string } }>('/jobs/:name/run', {
    schema: {
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } },
      body: emptyBodySchema,
    },
    handler: async (request, reply) => {
      const { name } = request.params;
      if (!isScheduledJobName(name)) throw new UnknownJobError(name);
      const queue = ctx.queues[QUEUES.scheduled]!;
      // Without a worker on the queue the job would only wait: say so now instead of after minutes.
      if ((await queue.getWorkersCount()) === 0) throw new NoWorkerError(name);
      const result = await runScheduledJobNow(queue, name);
      if (result.status === 'busy') throw new JobBusyError(name);
      if (result.status === 'running') return reply.status(202).send(result);
      const { outcome, ...run } = result;
      return { ...run, ...outcome };
    },
  });
}
