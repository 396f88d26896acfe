import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.js';

const CHECK_TIMEOUT_MS = 2_000;

async function withinDeadline(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      check().then(
        () => true,
        () => false,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (the process answers) and readiness (Postgres answers, Redis runs the quota script), within a deadline. */
export async function healthRoutes(app: FastifyInstance, ctx: Pick<RouteContext, 'orm' | 'quota'>): Promise<void> {
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      withinDeadline(() => ctx.orm.em.fork().execute('select 1')),
      // Redis must run the quota script, not only answer PING: sending email depends on it.
      withinDeadline(async () => {
        if (!(await ctx.quota.probe())) throw new Error('the quota script answered unexpectedly');
      }),
    ]);
    const down = [!postgres && 'postgres', !redis && 'redis'].filter(Boolean);
    if (down.length > 0) return reply.status(503).send({ status: 'unavailable', down });
    return { status: 'ok' };
  });
}
