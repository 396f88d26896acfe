import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import t, { type Test } from 'tap';
import trestaNotifications, { migrationsList, type TrestaNotificationsOptions } from '../../plugin/index.js';
import { DEAF_LISTEN_POLL_MS } from '../../plugin/jobs/outbox-relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startPrivatePgBouncer, type PrivatePgBouncer } from '../helpers/private-pgbouncer.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit, ISSUER, type TokenKit } from '../helpers/tokens.js';
import { connectAuthenticated } from '../helpers/ws-client.js';

// Three instances of one deployment behind PgBouncer in transaction mode: what a rolling deploy
// (or a scale-up) on Supabase, Neon's pooler host or a hand-run PgBouncer looks like.
const INSTANCES = 3;
const LATENCY_SAMPLES = 15;

let pooler: PrivatePgBouncer;
t.before(async () => {
  pooler = await startPrivatePgBouncer(10);
});
t.teardown(() => pooler.stop());

interface Deployment {
  db: TestDatabase;
  tokens: TokenKit;
  apps: FastifyInstance[];
  warnings: string[];
}

/** Registers INSTANCES apps on one fresh database at the same moment, each with workers and a log to read. */
async function startTogether(
  t: Test,
  database: (db: TestDatabase) => TrestaNotificationsOptions['database'],
): Promise<Deployment> {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const prefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  const warnings: string[] = [];
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level >= 40) warnings.push(entry.msg);
      }
      done();
    },
  });
  const apps = Array.from({ length: INSTANCES }, () => Fastify({ logger: { level: 'warn', stream: log } }));
  t.teardown(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db.drop();
  });
  await Promise.all(
    apps.map(async (app) => {
      await app.register(trestaNotifications, {
        database: database(db),
        redis: { url: REDIS_URL, prefix },
        auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
        appUrl: APP_ORIGIN,
        workers: true,
      });
      await app.ready();
    }),
  );
  return { db, tokens, apps, warnings };
}

async function appliedMigrations(db: TestDatabase): Promise<Array<{ name: string; times: number }>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; times: number }>(
      'select name, count(*)::int as times from tresta_migrations group by name order by name',
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Milliseconds from notify() on one instance to the frame on a socket of another, median of LATENCY_SAMPLES. */
async function medianDeliveryMs(deployment: Deployment): Promise<number> {
  const [producer, , listener] = deployment.apps as [FastifyInstance, FastifyInstance, FastifyInstance];
  const address = await listener.listen({ port: 0, host: '127.0.0.1' });
  const client = await connectAuthenticated(
    `${address.replace('http', 'ws')}/api/notifications/ws`,
    await deployment.tokens.sign('ada', { expiresIn: '1h' }),
    APP_ORIGIN,
  );
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = performance.now();
    const sent = await producer.notifications.notify({ userId: 'ada', type: 'SECURITY_ALERT', title: `n${i}`, message: 'm' });
    await client.waitFor((frame) => (frame.data as { id?: string } | undefined)?.id === sent.id);
    samples.push(performance.now() - started);
  }
  client.socket.close();
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)] as number);
}

/** What the migrations table must hold after any start-up race: every migration, recorded once. */
const EACH_MIGRATION_ONCE = migrationsList.map(({ name }) => ({ name, times: 1 })).sort((a, b) => a.name.localeCompare(b.name));

t.test(
  'three instances start at once behind a transaction pooler, without directUrl: all ready, each migration once, LISTEN found deaf',
  async (t) => {
    const deployment = await startTogether(t, (db) => ({ url: pooler.urlFor(db.url) }));
    t.same(await appliedMigrations(deployment.db), EACH_MIGRATION_ONCE, 'every migration is recorded exactly once');
    for (const [i, app] of deployment.apps.entries()) {
      t.equal(
        await app.notifications.workers?.relay.listening,
        false,
        `instance ${i + 1}: LISTEN through the pooler hears nothing`,
      );
      t.equal(
        app.notifications.workers?.relay.pollMs,
        DEAF_LISTEN_POLL_MS,
        `instance ${i + 1}: the relay polls at the faster floor`,
      );
    }
    const named = deployment.warnings.filter((message) => message.includes('database.directUrl'));
    t.equal(named.length, INSTANCES, 'each instance logs one warning naming database.directUrl');
    t.comment(`notify → WebSocket through the pooler without directUrl: median ${await medianDeliveryMs(deployment)} ms`);
  },
);

t.test('three instances start at once with the pooler as url and a directUrl: each migration once, LISTEN hears', async (t) => {
  const deployment = await startTogether(t, (db) => ({ url: pooler.urlFor(db.url), directUrl: db.url }));
  t.same(await appliedMigrations(deployment.db), EACH_MIGRATION_ONCE, 'every migration is recorded exactly once');
  for (const [i, app] of deployment.apps.entries()) {
    t.equal(
      await app.notifications.workers?.relay.listening,
      true,
      `instance ${i + 1}: LISTEN on the direct connection hears NOTIFY`,
    );
  }
  t.same(
    deployment.warnings.filter((message) => message.includes('database.directUrl')),
    [],
    'no warning',
  );
  t.comment(`notify → WebSocket through the pooler with directUrl: median ${await medianDeliveryMs(deployment)} ms`);
});

t.test('the same three instances straight on Postgres: the baseline for the figures above', async (t) => {
  const deployment = await startTogether(t, (db) => ({ url: db.url }));
  t.equal(await deployment.apps[0]?.notifications.workers?.relay.listening, true, 'LISTEN hears on a direct connection');
  t.comment(`notify → WebSocket straight on Postgres: median ${await medianDeliveryMs(deployment)} ms`);
});
