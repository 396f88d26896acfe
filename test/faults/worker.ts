// The worker process of the fault suite: `plugin/worker/main.ts` (same start, same SIGTERM / SIGINT
// handling) with what its environment cannot say: a host type emailed at normal priority
// (FAULT_NORMAL, so the daily budget is exercised), the budget itself, a per-user limit out of the
// way, the provider's rate limit raised (the fakes are local), Ably pointed at a local fake, and a
// slow address lookup for one user (a window for the tests to act in). The rest is worker/main.ts's:
// optionsFromEnv(process.env) reads DATABASE_URL, REDIS_URL, RESEND_*, ENABLE_REAL_EMAILS,
// ABLY_API_KEY, SLACK_WEBHOOK_URL; TRESTA_REDIS_PREFIX and TRESTA_JOB_LOCK_MS as worker/main.ts does.
import { pino } from 'pino';
import { optionsFromEnv } from '../../plugin/startup/env.js';
import { startWorkers } from '../../plugin/worker/process.js';
import { drainOnSignals } from '../../plugin/worker/signals.js';
import { FAULT_TYPES } from './types.js';

const env = process.env;
const log = pino();
const options = optionsFromEnv(env);
const slowUser = env.FAULT_SLOW_RECIPIENT;
const slowMs = Number(env.FAULT_RECIPIENT_DELAY_MS ?? 0);
const ablyPort = env.FAULT_ABLY_PORT ? Number(env.FAULT_ABLY_PORT) : null;

try {
  const workers = await startWorkers(
    {
      ...options,
      redis: { ...options.redis, prefix: env.TRESTA_REDIS_PREFIX },
      email: {
        ...options.email,
        dailyLimit: Number(env.FAULT_DAILY_LIMIT ?? 200),
        perUserHourlyLimit: 100_000,
        requestsPerSecond: 1_000,
        concurrency: 10,
        unsubscribeSecret: 'fault-suite-unsubscribe-secret-0123456789',
        resolveRecipient: async (userId) => {
          if (slowMs > 0 && (slowUser === undefined || slowUser === userId)) await new Promise((r) => setTimeout(r, slowMs));
          return { email: `${userId}@example.test` };
        },
      },
      realtime: {
        ...options.realtime,
        ...(ablyPort ? { ablyClientOptions: { endpoint: 'localhost', port: ablyPort, tls: false } } : {}),
      },
      alerts: { ...options.alerts, checkIntervalMs: 1_000 },
      types: FAULT_TYPES,
      jobs: { lockDurationMs: env.TRESTA_JOB_LOCK_MS ? Number(env.TRESTA_JOB_LOCK_MS) : undefined },
      // The digest runs when a test ticks it (digest.fault.ts), never by the clock in the middle of another fault.
      schedules: { digest: '0 0 1 1 *' },
    },
    log,
  );
  drainOnSignals(workers, log);
} catch (error) {
  log.error({ err: error }, 'tresta workers could not start');
  process.exit(1);
}
