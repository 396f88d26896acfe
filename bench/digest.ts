// bench/digest — the daily digest at scale, against raw BullMQ in the same run.
//
// 10,000 digest users with 5 notifications each. Each run times the digest job end to end (select
// the users, claim their rows, reserve the budget, take their notifications and render into the
// delivery rows, enqueue the send-digest jobs) and, within it, the enqueue phase (the addBulk calls); then the same jobs are added with raw
// `addBulk` to a fresh queue, in the same batches. Goal: the enqueue phase ≥ 50 % of raw addBulk
// throughput. Sending is not measured (the provider's rate limit sets its pace).
//
// Usage: npm run bench:digest   (BENCH_RUNS=3 BENCH_DIGEST_USERS=10000)
import { performance } from 'node:perf_hooks';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Alerter } from '../plugin/alerts/alerter.js';
import { applyMigrations } from '../plugin/db/migrate.js';
import { openOrm } from '../plugin/db/orm.js';
import type { EmailChannel } from '../plugin/email/channel.js';
import { createMailboxMailer } from '../plugin/email/mailbox-mailer.js';
import { DEFAULT_BRAND } from '../plugin/email/templates/brand.js';
import { UnsubscribeLinks } from '../plugin/email/unsubscribe.js';
import { runDigest } from '../plugin/jobs/scheduled/digest.js';
import { QuotaGuard } from '../plugin/quota/quota-guard.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const USERS = Number(process.env.BENCH_DIGEST_USERS ?? 10_000);
const PER_USER = 5;
const PREFIX = 'tresta-bench-digest';
const NOW = new Date('2030-01-08T09:00:00Z');

const databaseUrl = await benchDatabase(ADMIN_URL, 'tresta_bench_digest');
await applyMigrations(databaseUrl);
const orm = await openOrm(databaseUrl);
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });

async function sql(text: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(text, values);
  await client.end();
}

async function clearRedis(): Promise<void> {
  const keys = await redis.keys(`${PREFIX}*`);
  for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
}

// Seeded once: 5 digest-type notifications per user, the day before the run.
await sql(
  'truncate tresta_notifications, tresta_outbox, tresta_notification_preferences, tresta_digest_runs, tresta_email_deliveries',
);
await sql(
  `insert into tresta_notifications (id, user_id, type, title, message, link, created_at)
   select gen_random_uuid(), 'user_' || u, (array['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_REJECTED'])[1 + n % 3],
          'Testimonial #' || n || ' for user ' || u, 'Someone left a five-star testimonial: "Great product, would buy again."',
          '/testimonials/' || (u * 10 + n), $1::timestamptz - make_interval(mins => n * 7)
   from generate_series(1, $2::int) u, generate_series(1, $3::int) n`,
  [new Date(NOW.getTime() - 3_600_000).toISOString(), USERS, PER_USER],
);
await sql('analyze');

const channel: EmailChannel = {
  mailer: createMailboxMailer(orm),
  quota: new QuotaGuard({ redis, orm, prefix: PREFIX, dailyLimit: 1_000_000, perUserHourlyLimit: 100 }),
  unsubscribe: new UnsubscribeLinks(
    new TextEncoder().encode('bench-digest-secret-0123456789abcdef'),
    'https://tresta.app/api/notifications/unsubscribe',
    60,
  ),
  alerter: new Alerter(redis, PREFIX, null),
  brand: DEFAULT_BRAND,
  from: 'Tresta <notifications@tresta.app>',
  appUrl: 'https://tresta.app',
  resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
};
const digestTypes = ['NEW_TESTIMONIAL', 'TESTIMONIAL_APPROVED', 'TESTIMONIAL_REJECTED'];

type Batch = Array<{ name: string; data: unknown; opts: JobsOptions }>;

/** One digest run: its total time, the time inside addBulk, and the batches it enqueued. */
async function digestRun(): Promise<{ totalMs: number; enqueueMs: number; batches: Batch[] }> {
  const queue = new Queue('digests', { connection: redis, prefix: PREFIX });
  const batches: Batch[] = [];
  let enqueueMs = 0;
  const timedQueue = Object.assign(Object.create(queue) as Queue, {
    addBulk: async (jobs: Batch) => {
      const started = performance.now();
      const added = await queue.addBulk(jobs as Parameters<Queue['addBulk']>[0]);
      enqueueMs += performance.now() - started;
      batches.push(jobs);
      return added;
    },
  });
  const started = performance.now();
  const outcome = await runDigest({ composer: { orm, channel, digestTypes }, queue: timedQueue }, NOW);
  const totalMs = performance.now() - started;
  if (outcome.sent !== USERS) throw new Error(`expected ${USERS} digests, got ${JSON.stringify(outcome)}`);
  await queue.close();
  return { totalMs, enqueueMs, batches };
}

/** The same jobs, in the same batches, with raw addBulk into a fresh queue. */
async function rawAddBulk(batches: Batch[]): Promise<number> {
  const queue = new Queue('raw-digests', { connection: redis, prefix: PREFIX });
  const started = performance.now();
  for (const batch of batches) {
    await queue.addBulk(
      batch.map((job) => ({ ...job, opts: { ...job.opts, jobId: `raw-${job.opts.jobId}` } })) as Parameters<Queue['addBulk']>[0],
    );
  }
  const elapsed = performance.now() - started;
  await queue.close();
  return elapsed;
}

const series = { total: [] as number[], enqueue: [] as number[], raw: [] as number[], ratio: [] as number[] };
for (let run = 1; run <= RUNS; run++) {
  await sql('truncate tresta_digest_runs, tresta_email_deliveries');
  // Each run takes the notifications it lists: the next one starts with them untaken again.
  await sql('update tresta_notifications set digest_run_id = null');
  await clearRedis();
  const { totalMs, enqueueMs, batches } = await digestRun();
  const rawMs = await rawAddBulk(batches);
  const enqueueRate = (USERS / enqueueMs) * 1000;
  const rawRate = (USERS / rawMs) * 1000;
  series.total.push(totalMs);
  series.enqueue.push(enqueueRate);
  series.raw.push(rawRate);
  series.ratio.push(enqueueRate / rawRate);
  console.log(
    `run ${run}/${RUNS}: digest ${Math.round(totalMs)} ms (enqueue ${Math.round(enqueueMs)} ms, ${Math.round(enqueueRate)} jobs/s), raw addBulk ${Math.round(rawMs)} ms (${Math.round(rawRate)} jobs/s)`,
  );
}
await clearRedis();

const total = summarize(series.total);
const enqueue = summarize(series.enqueue);
const raw = summarize(series.raw);
const ratio = summarize(series.ratio).median;
console.log(`\nbench/digest — ${await describeMachine(ADMIN_URL, REDIS_URL)}`);
console.log(`${RUNS} runs; ${USERS.toLocaleString('en-US')} digest users × ${PER_USER} notifications; medians (min, max)`);
console.log(
  `  select, reserve, render and enqueue   ${formatSummary(total, 'ms')}   (${Math.round((USERS / total.median) * 1000)} users/s)`,
);
console.log(`  enqueue phase (addBulk)               ${formatSummary(enqueue, 'jobs/s')}`);
console.log(`  raw addBulk, same jobs and batches    ${formatSummary(raw, 'jobs/s')}`);
console.log(
  `  enqueue phase / raw addBulk           ${(ratio * 100).toFixed(1)} % — goal ≥ 50 %: ${ratio >= 0.5 ? 'meets' : 'MISSES'}`,
);
await orm.close();
redis.disconnect();
process.exit(0);
