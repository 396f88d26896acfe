import t from 'tap';
import Fastify from 'fastify';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import trestaNotifications, { optionsFromEnv, trestaEntities, type TrestaNotificationsOptions } from '../../plugin/index.js';
import { applyMigrations } from '../../plugin/db/migrate.js';
import { createTestDatabase } from '../helpers/database.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { REDIS_URL } from '../helpers/services.js';
import { createTokenKit } from '../helpers/tokens.js';

const tokens = await createTokenKit();
const db = await createTestDatabase();
t.teardown(() => db.drop());

const base = (): TrestaNotificationsOptions => ({
  database: { url: db.url },
  redis: { url: REDIS_URL, prefix: 'tresta-test-registration' },
  auth: { jwt: { publicKey: tokens.publicKeyPem } },
  workers: false,
});

t.test('a bad or missing option fails register, naming the option', async (t) => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no database', { database: undefined }, /"database"/],
    ['database url not postgres', { database: { url: 'mysql://x' } }, /"database\.url"/],
    ['database orm not an ORM', { database: { orm: {} } }, /"database\.orm"/],
    ['no redis', { redis: undefined }, /"redis"/],
    ['redis url not redis', { redis: { url: 'http://x' } }, /"redis\.url"/],
    ['no auth', { auth: undefined }, /"auth"/],
    ['jwt without a key', { auth: { jwt: {} } }, /"auth\.jwt"/],
    ['jwt key not a PEM', { auth: { jwt: { publicKey: 'abc' } } }, /"auth\.jwt\.publicKey"/],
    ['jwks url not a URL', { auth: { jwt: { jwksUrl: 'not a url' } } }, /"auth\.jwt\.jwksUrl"/],
    ['appUrl not a URL', { appUrl: 'tresta' }, /"appUrl"/],
    ['daily limit zero', { email: { dailyLimit: 0 } }, /"email\.dailyLimit"/],
    ['critical reserve the whole limit', { email: { dailyLimit: 20, criticalReserve: 20 } }, /"email\.criticalReserve"/],
    ['critical reserve negative', { email: { criticalReserve: -1 } }, /"email\.criticalReserve"/],
    ['per-user limit fractional', { email: { perUserHourlyLimit: 2.5 } }, /"email\.perUserHourlyLimit"/],
    ['resolveRecipient not a function', { email: { resolveRecipient: 'x' } }, /"email\.resolveRecipient"/],
    ['ably key malformed', { realtime: { ablyApiKey: 'nope' } }, /"realtime\.ablyApiKey"/],
    ['slack url not a URL', { alerts: { slackWebhookUrl: 'hook' } }, /"alerts\.slackWebhookUrl"/],
    ['type in lower case', { types: { weekly: { email: 'digest' } } }, /"types\.weekly"/],
    ['type with an unknown email mode', { types: { WEEKLY: { email: 'sometimes' } } }, /"types\.WEEKLY\.email"/],
    ['type with an unknown severity', { types: { WEEKLY: { email: 'none', severity: 'loud' } } }, /"types\.WEEKLY\.severity"/],
    ['type with a category of punctuation', { types: { WEEKLY: { email: 'none', category: '<b>' } } }, /"types\.WEEKLY\.category"/],
    ['type with required not a boolean', { types: { WEEKLY: { email: 'none', required: 'yes' } } }, /"types\.WEEKLY\.required"/],
    ['type with a misspelt option', { types: { WEEKLY: { email: 'none', severty: 'info' } } }, /"types\.WEEKLY\.severty"/],
    [
      'escalation of zero minutes',
      { types: { PAY: { email: 'normal', escalateAfterMinutes: 0 } } },
      /"types\.PAY\.escalateAfterMinutes"/,
    ],
    [
      'escalation of a digest type',
      { types: { PAY: { email: 'digest', escalateAfterMinutes: 5 } } },
      /"types\.PAY\.escalateAfterMinutes"/,
    ],
    ['workers not a boolean', { workers: 'yes' }, /"workers"/],
    ['directUrl not postgres', { database: { url: db.url, directUrl: 'mysql://x' } }, /"database\.directUrl"/],
    ['pool max zero', { database: { url: db.url, pool: { max: 0 } } }, /"database\.pool\.max"/],
    ['two redis sources', { redis: { url: REDIS_URL, cluster: { nodes: [REDIS_URL] } } }, /"redis"/],
    ['cluster without nodes', { redis: { cluster: { nodes: [] } } }, /"redis\.cluster\.nodes"/],
    ['cluster node not a URL', { redis: { cluster: { nodes: ['10.0.0.1:6379'] } } }, /"redis\.cluster\.nodes\[0\]"/],
    ['sentinel without a name', { redis: { sentinel: { sentinels: [{ host: 'h', port: 26379 }] } } }, /"redis\.sentinel\.name"/],
    ['sentinels not addresses', { redis: { sentinel: { sentinels: ['h:1'], name: 'm' } } }, /"redis\.sentinel\.sentinels"/],
    ['shutdown timeout negative', { shutdownTimeoutMs: -1 }, /"shutdownTimeoutMs"/],
    ['process metrics not a boolean', { metrics: { processMetrics: 'yes' } }, /"metrics\.processMetrics"/],
  ];
  for (const [name, override, message] of cases) {
    const app = Fastify();
    await t.rejects(
      (async () => {
        await app.register(trestaNotifications, { ...base(), ...override } as TrestaNotificationsOptions).ready();
      })(),
      { code: 'TRESTA_ERR_OPTIONS_INVALID', message },
      name,
    );
    await app.close();
  }
});

t.test("the host's ORM and Redis are used and left open; the plugin's own are closed", async (t) => {
  await applyMigrations(db.url);
  const hostOrm = await MikroORM.init({ clientUrl: db.url, entities: trestaEntities });
  const hostRedis = new Redis(REDIS_URL);
  t.teardown(async () => {
    await hostOrm.close();
    hostRedis.disconnect();
  });
  const app = Fastify();
  await app.register(trestaNotifications, { ...base(), database: { orm: hostOrm }, redis: { connection: hostRedis } });
  await app.ready();
  t.equal(app.notifications.orm, hostOrm);
  t.equal(app.notifications.redis, hostRedis);
  await app.close();
  t.ok(await hostOrm.isConnected(), "the host's ORM is still connected");
  t.equal(await hostRedis.ping(), 'PONG', "the host's Redis is still connected");

  const own = Fastify();
  await own.register(trestaNotifications, base());
  await own.ready();
  const { orm, redis } = own.notifications;
  await own.close();
  t.notOk(await orm.isConnected(), "the plugin's ORM is closed");
  t.equal(redis.status, 'end', "the plugin's Redis is closed");
});

t.test('the host’s own routes run none of the plugin’s hooks', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(trestaNotifications, base());
  app.get('/hello', async () => ({ hello: 'world' }));
  const res = await app.inject({ url: '/hello' });
  t.equal(res.statusCode, 200, 'no authentication on a route the plugin does not own');
  t.same(res.json(), { hello: 'world' });
});

t.test('health: live, ready, and 503 naming what is down', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(trestaNotifications, base());
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200);
  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200, ready.body);

  const broken = Fastify();
  t.teardown(() => broken.close());
  await broken.register(trestaNotifications, { ...base(), redis: { url: 'redis://127.0.0.1:1' } });
  const down = await broken.inject({ url: '/health/ready' });
  t.equal(down.statusCode, 503);
  t.same(down.json(), {
    statusCode: 503,
    code: 'TRESTA_ERR_NOT_READY',
    error: 'Service Unavailable',
    message: 'Not ready: redis unavailable',
    status: 'unavailable',
    down: ['redis'],
  });
});

t.test('optionsFromEnv reads the seed’s variables', async (t) => {
  const options = optionsFromEnv({
    DATABASE_URL: 'postgresql://db/app',
    REDIS_URL: 'redis://cache:6379',
    RESEND_API_KEY: 're_123',
    EMAIL_FROM: 'Acme <n@acme.test>',
    ENABLE_REAL_EMAILS: 'true',
    ABLY_API_KEY: 'app.key:secret',
    ENABLE_REAL_NOTIFICATIONS: 'false',
    SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T/B/X',
    APP_URL: 'https://acme.test',
  });
  t.match(options, {
    database: { url: 'postgresql://db/app' },
    redis: { url: 'redis://cache:6379' },
    appUrl: 'https://acme.test',
    email: { resendApiKey: 're_123', from: 'Acme <n@acme.test>', enabled: true },
    realtime: { ablyApiKey: 'app.key:secret', enabled: false },
    alerts: { slackWebhookUrl: 'https://hooks.slack.test/T/B/X' },
  });
  t.match(optionsFromEnv({ DATABASE_URL: 'postgresql://pooler/app', DIRECT_URL: 'postgresql://db/app' }).database, {
    url: 'postgresql://pooler/app',
    directUrl: 'postgresql://db/app',
  });
  t.same(optionsFromEnv({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379, redis://10.0.0.2:6379' }).redis, {
    cluster: { nodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] },
  });
  t.same(optionsFromEnv({ REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2', REDIS_SENTINEL_NAME: 'mymaster' }).redis, {
    sentinel: {
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      name: 'mymaster',
    },
  });
  t.equal(
    optionsFromEnv({ RESEND_API_KEY: 're_1', NODE_ENV: 'development' }).email?.enabled,
    false,
    'no real email outside production unless asked',
  );
  t.equal(optionsFromEnv({ RESEND_API_KEY: 're_1', NODE_ENV: 'production' }).email?.enabled, true);
  const app = Fastify();
  await t.rejects(
    (async () => {
      await app.register(trestaNotifications, { ...optionsFromEnv({}), auth: base().auth } as TrestaNotificationsOptions).ready();
    })(),
    { message: /"database\.url"/ },
    'a missing DATABASE_URL names the option',
  );
  await app.close();
});

t.test('readiness needs Redis to run the quota script, not only to answer PING', async (t) => {
  const noScripts = await startPrivateRedis(['--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', '']);
  t.teardown(() => noScripts.stop());
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(trestaNotifications, { ...base(), redis: { url: noScripts.url } });
  const ready = await app.inject({ url: '/health/ready' });
  t.match([ready.statusCode, ready.json()], [503, { code: 'TRESTA_ERR_NOT_READY', status: 'unavailable', down: ['redis'] }]);
});
