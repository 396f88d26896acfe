import type { FastifyInstance } from 'fastify';

/** The Redis side of the day's cost, for the operations panel (emails and messages come from /admin/metrics). */
export interface RedisDayCost {
  /** Commands Redis has processed since `since`: everything on that Redis, the plugin's included. */
  redisCommands: number;
  /** The start of the count: 00:00 UTC today, or the demo's first look at Redis if that was later. */
  since: string;
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Redis counts every command it has processed since it started (`INFO stats`); the day's figure is
 * that total less the one seen at the day's first look, so it needs nothing stored in Redis itself.
 */
export function redisDayCost(app: FastifyInstance): () => Promise<RedisDayCost> {
  let baseline: { day: string; since: Date; total: number } | null = null;
  return async () => {
    const now = new Date();
    const stats = await app.notifications.redis.info('stats');
    const total = Number(/^total_commands_processed:(\d+)/m.exec(stats)?.[1] ?? 0);
    if (!baseline || baseline.day !== utcDay(now)) {
      // A new day (the demo ran through midnight) counts from midnight; the first look from now.
      const since = baseline ? new Date(`${utcDay(now)}T00:00:00Z`) : now;
      baseline = { day: utcDay(now), since, total };
    }
    return { redisCommands: total - baseline.total, since: baseline.since.toISOString() };
  };
}
