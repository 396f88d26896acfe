// The server side of bench/api.ts, in its own process so that the load generator does not share
// its event loop. Mode "plugin": a host app with the plugin registered; mode "bare": the same host
// app without it. Both serve GET /hello. Prints the port on stdout once listening.
import Fastify from 'fastify';
import trestaNotifications from '../plugin/index.js';

const [mode, databaseUrl, redisUrl, publicKey] = [
  process.argv[2],
  process.env.BENCH_DATABASE_URL,
  process.env.BENCH_REDIS_URL,
  process.env.BENCH_PUBLIC_KEY,
];

const app = Fastify({ logger: false });
if (mode === 'plugin') {
  await app.register(trestaNotifications, {
    database: { url: databaseUrl as string },
    redis: { url: redisUrl as string, prefix: 'tresta-bench' },
    auth: { jwt: { publicKey: publicKey as string } },
    workers: false,
    migrate: false,
    // The load comes from 500 users at full speed: the limit is set out of reach, but still
    // counted in Redis on every request as in production.
    apiRateLimitPerMinute: 1_000_000_000,
  });
}
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
