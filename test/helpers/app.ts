import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import trestaNotifications, { type TrestaNotificationsOptions } from '../../plugin/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { REDIS_URL } from './services.js';
import { APP_ORIGIN, createTokenKit, ISSUER, type TokenKit } from './tokens.js';

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

/**
 * Scheduled jobs run when a test runs them (runJob, "run now"), not when the wall clock says: a
 * sweeper tick at :05 or the 23:59 reconciliation would otherwise race what the test checks. Each
 * pattern fires only at New Year's midnight UTC.
 */
const SCHEDULED_BY_THE_TEST = {
  digest: '0 0 1 1 *',
  reconciliation: '0 0 1 1 *',
  redrive: '0 0 1 1 *',
  retention: '0 0 1 1 *',
};

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  redisPrefix: string;
  tokens: TokenKit;
  /** `Authorization` headers for a user (admin when asked). */
  authFor: (userId: string, claims?: Record<string, unknown>) => Promise<{ authorization: string }>;
}

/**
 * A real host app with the plugin registered against a fresh Postgres database and a private
 * Redis key prefix; closed and dropped when the test ends.
 */
export async function buildTestApp(
  t: Test,
  overrides: Partial<TrestaNotificationsOptions> = {},
  /** Reach the database through another port (a proxy the test can cut). */
  databasePort?: number,
): Promise<TestApp> {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  const redisPrefix = `tresta-test-${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  await app.register(trestaNotifications, {
    database: { url: databasePort ? withPort(db.url, databasePort) : db.url },
    redis: { url: REDIS_URL, prefix: redisPrefix },
    auth: { jwt: { publicKey: tokens.publicKeyPem, issuer: ISSUER, authorizedParties: [APP_ORIGIN] } },
    appUrl: APP_ORIGIN,
    workers: false,
    schedules: SCHEDULED_BY_THE_TEST,
    ...overrides,
  });
  await app.ready();
  return {
    app,
    db,
    redisPrefix,
    tokens,
    // An hour: a file may hold its users' headers for its whole run, slow on a loaded machine.
    authFor: async (userId, claims) => ({ authorization: `Bearer ${await tokens.sign(userId, { expiresIn: '1h', ...claims })}` }),
  };
}

/** A second API instance of the same deployment: same database, same Redis prefix, same keys. */
export async function buildSecondInstance(
  t: Test,
  first: TestApp,
  overrides: Partial<TrestaNotificationsOptions> = {},
): Promise<FastifyInstance> {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(trestaNotifications, {
    database: { url: first.db.url },
    redis: { url: REDIS_URL, prefix: first.redisPrefix },
    auth: { jwt: { publicKey: first.tokens.publicKeyPem } },
    workers: false,
    ...overrides,
  });
  return app;
}
