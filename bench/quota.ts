// bench/quota — the email quota check (QuotaGuard.reserve: one Lua script) beside a raw Redis GET,
// same run, same connection settings, 5 runs, medians. Goal: sequential checks ≥ 80 % of sequential
// raw GETs in the same run (the median of the runs' ratios): a check costs one round trip, as a GET
// does, and the script's work must stay small beside the trip.
//
// It also counts the Redis round trips each check costs, twice: the commands this client sends, and
// the commands the private redis-server reports through MONITOR (those run inside the script left
// out). Goal: exactly one per check, the script's EVALSHA.
//
// Usage: npm run bench:quota   (BENCH_RUNS=5 BENCH_CHECKS=20000 BENCH_CONCURRENCY=50)
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { applyMigrations } from '../plugin/db/migrate.js';
import { openOrm } from '../plugin/db/orm.js';
import { QuotaGuard } from '../plugin/quota/quota-guard.js';
import { startPrivateRedis } from '../test/helpers/private-redis.js';
import { benchDatabase } from './lib/database.js';
import { describeMachine } from './lib/machine.js';
import { formatSummary, summarize } from './lib/stats.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const GOAL_SEQUENTIAL_SHARE = 0.8;

const databaseUrl = await benchDatabase(ADMIN_URL, 'tresta_bench_quota');
await applyMigrations(databaseUrl);
const orm = await openOrm(databaseUrl);
const privateRedis = await startPrivateRedis();
const redis = new Redis(privateRedis.url);

let round = 0;
/** A fresh day's budget large enough that every check reserves (the steady state, not the refusal). */
function freshGuard(): QuotaGuard {
  round += 1;
  return new QuotaGuard({ redis, orm, prefix: `bench-quota-${round}`, dailyLimit: 10_000_000, perUserHourlyLimit: 10_000_000 });
}

// Every command this connection sends passes through sendCommand: counting there counts round trips.
let commandsSent = 0;
const sendCommand = redis.sendCommand.bind(redis);
redis.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
  commandsSent += 1;
  return sendCommand(...args);
};

async function rate(concurrency: number, check: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CHECKS) await check(next++);
    }),
  );
  return (CHECKS / (performance.now() - started)) * 1000;
}

const reserveWith = (guard: QuotaGuard) => (i: number) =>
  guard.reserve({ emailKey: `email-${i}`, userId: `user-${i % 1_000}`, priority: 'normal', recipients: 1 });

// Warm up: the script is loaded (EVALSHA from then on) and the day's counter exists.
const warm = freshGuard();
await warm.reserve({ emailKey: 'warm', userId: 'warm', priority: 'normal', recipients: 1 });

// One check = how many Redis commands? Measured on the warm guard (counter present, script cached).
// MONITOR reports every command the server runs, those of a script marked "lua": the others are
// what clients sent, one round trip each (nothing else talks to this private server).
const monitorClient = new Redis(privateRedis.url);
const monitor = await monitorClient.monitor();
let serverSaw = 0;
let fenceSeen = false;
monitor.on('monitor', (_time: string, args: string[], source: string) => {
  if (args[0]?.toLowerCase() === 'echo') fenceSeen = true;
  else if (source !== 'lua') serverSaw += 1;
});
const before = commandsSent;
for (let i = 0; i < 1_000; i++) await reserveWith(warm)(i);
const commandsPerCheck = (commandsSent - before) / 1_000;
await redis.echo('fence');
while (!fenceSeen) await new Promise((resolve) => setTimeout(resolve, 10));
const serverCommandsPerCheck = serverSaw / 1_000;
monitor.disconnect();
monitorClient.disconnect();

const figures = {
  getSequential: [] as number[],
  quotaSequential: [] as number[],
  getConcurrent: [] as number[],
  quotaConcurrent: [] as number[],
};
for (let run = 0; run < RUNS; run++) {
  await redis.set('bench-quota-get', '1');
  figures.getSequential.push(await rate(1, () => redis.get('bench-quota-get')));
  const sequential = freshGuard();
  await sequential.reserve({ emailKey: 'first', userId: 'first', priority: 'normal', recipients: 1 });
  figures.quotaSequential.push(await rate(1, reserveWith(sequential)));
  figures.getConcurrent.push(await rate(CONCURRENCY, () => redis.get('bench-quota-get')));
  const concurrent = freshGuard();
  await concurrent.reserve({ emailKey: 'first', userId: 'first', priority: 'normal', recipients: 1 });
  figures.quotaConcurrent.push(await rate(CONCURRENCY, reserveWith(concurrent)));
}

const ratio = (a: number[], b: number[]) => `${Math.round((summarize(a).median / summarize(b).median) * 100)} %`;
console.log(`bench/quota — ${await describeMachine(databaseUrl, privateRedis.url)}`);
console.log(`${RUNS} runs of ${CHECKS.toLocaleString('en-US')} checks; medians (min, max)\n`);
const verdict = (ok: boolean) => (ok ? 'MEETS' : 'MISSES');
const sequentialShares = figures.quotaSequential.map((quota, run) => quota / (figures.getSequential[run] as number));
const sequentialShare = summarize(sequentialShares).median;
console.log(
  `Redis round trips per quota check: ${commandsPerCheck.toFixed(3)} sent by the client, ${serverCommandsPerCheck.toFixed(3)} seen by the server (MONITOR) — goal exactly 1: ${verdict(commandsPerCheck === 1 && serverCommandsPerCheck === 1)}`,
);
console.log(`sequential  raw GET        ${formatSummary(summarize(figures.getSequential), 'ops/s')}`);
console.log(`sequential  quota check    ${formatSummary(summarize(figures.quotaSequential), 'checks/s')}`);
console.log(
  `            goal: sequential ≥ ${GOAL_SEQUENTIAL_SHARE * 100} % of a raw GET in the same run: ${(sequentialShare * 100).toFixed(1)} % (median of the runs; min ${(Math.min(...sequentialShares) * 100).toFixed(1)} %, max ${(Math.max(...sequentialShares) * 100).toFixed(1)} %): ${verdict(sequentialShare >= GOAL_SEQUENTIAL_SHARE)}`,
);
console.log(`concurrent  raw GET ×${CONCURRENCY}    ${formatSummary(summarize(figures.getConcurrent), 'ops/s')}`);
console.log(`concurrent  quota check ×${CONCURRENCY} ${formatSummary(summarize(figures.quotaConcurrent), 'checks/s')}`);
console.log(`            ratio ${ratio(figures.quotaConcurrent, figures.getConcurrent)} of raw GET`);

redis.disconnect();
await privateRedis.stop();
await orm.close();
