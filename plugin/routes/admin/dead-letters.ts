import type { FastifyInstance } from 'fastify';
import { DeadLetterNotFoundError } from '../../errors.js';
import { requeueDeadLetter } from '../../jobs/dead-letters.js';
import { deadLetterStats, listDeadLetters } from '../../services/dead-letters.js';
import type { RouteContext } from '../context.js';
import { emptyBodySchema, idParamsSchema, pageQuerystring } from '../schemas.js';

/** /admin/dlq: what failed for good, in numbers, and a way to send it around again. */
export function deadLetterRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { limit: number; cursor?: string; queue?: string; errorType?: 'transient' | 'permanent' } }>('/dlq', {
    schema: {
      querystring: pageQuerystring({
        // Found by test/fuzz: Postgres refuses a NUL in a text parameter, so `queue=%00` was a 500.
        queue: { type: 'string', maxLength: 64, pattern: '^[^\\x00]*$' },
        errorType: { type: 'string', enum: ['transient', 'permanent'] },
      }),
    },
    handler: async (request) => listDeadLetters(ctx.orm.em.fork(), request.query),
  });

  app.get('/dlq/stats', async () => deadLetterStats(ctx.orm.em.fork()));

  app.post<{ Params: { id: string } }>('/dlq/:id/requeue', {
    schema: { params: idParamsSchema, body: emptyBodySchema },
    handler: async (request) => {
      const result = await requeueDeadLetter(ctx.orm.em.fork(), ctx.queues, request.params.id);
      if (!result) throw new DeadLetterNotFoundError();
      return result;
    },
  });
}
