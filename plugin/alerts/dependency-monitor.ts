import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../redis/connect.js';
import { answersWithin } from '../time/within-deadline.js';
import type { Alerter } from './alerter.js';

const CHECK_TIMEOUT_MS = 2_000;
/** An outage that lasts longer than this is announced again. */
const REMIND_AFTER_SECONDS = 3_600;
/** Every process sees the recovery; one of them says so. */
const RECOVERY_QUIET_SECONDS = 60;

/**
 * Watches Postgres and Redis from a worker process and tells Slack once per incident: when one
 * stops answering, and when it answers again.
 */
export function startDependencyMonitor(deps: {
  orm: MikroORM;
  redis: RedisClient;
  alerter: Alerter;
  intervalMs: number;
}): () => void {
  const down = new Set<string>();
  const checks: Record<string, () => Promise<unknown>> = {
    postgres: () => deps.orm.em.fork().execute('select 1'),
    redis: () => deps.redis.ping(),
  };
  const tick = async () => {
    for (const [name, check] of Object.entries(checks)) {
      const checkBegan = Date.now();
      const healthy = await answersWithin(check, CHECK_TIMEOUT_MS);
      if (!healthy && !down.has(name)) {
        down.add(name);
        await deps.alerter.raise(
          `${name}-unreachable`,
          {
            severity: 'critical',
            title: `${name} is unreachable`,
            text: `Tresta workers cannot reach ${name}; deliveries wait until it is back.`,
          },
          REMIND_AFTER_SECONDS,
          checkBegan,
        );
      } else if (healthy && down.has(name)) {
        down.delete(name);
        await deps.alerter.clear(`${name}-unreachable`);
        await deps.alerter.raise(
          `${name}-recovered`,
          { severity: 'resolved', title: `${name} is reachable again`, text: 'Deliveries resume.' },
          RECOVERY_QUIET_SECONDS,
        );
      }
    }
  };
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick, tick);
  }, deps.intervalMs);
  return () => clearInterval(timer);
}
