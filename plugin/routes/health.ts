import type { FastifyInstance } from 'fastify';
import { NotReadyError } from '../errors.js';
import { answersWithin } from '../time/within-deadline.js';
import type { RouteContext } from './context.js';

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness (the process answers) and readiness (Postgres answers, Redis runs the quota script), within a deadline. */
export async function healthRoutes(app: FastifyInstance, ctx: Pick<RouteContext, 'orm' | 'quota'>): Promise<void> {
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      answersWithin(() => ctx.orm.em.fork().execute('select 1'), CHECK_TIMEOUT_MS),
      // Redis must run the quota script, not only answer PING: sending email depends on it.
      answersWithin(async () => {
        if (!(await ctx.quota.probe())) throw new Error('the quota script answered unexpectedly');
      }, CHECK_TIMEOUT_MS),
    ]);
    const down = [!postgres && 'postgres', !redis && 'redis'].filter((name): name is string => typeof name === 'string');
    if (down.length > 0) {
      // The error shape every route answers with, plus the list a load balancer's probe can read.
      const error = new NotReadyError(down.join(' and '));
      return reply.status(503).send({
        statusCode: 503,
        code: error.code,
        error: 'Service Unavailable',
        message: error.message,
        status: 'unavailable',
        down,
      });
    }
    return { status: 'ok' };
  });
}
