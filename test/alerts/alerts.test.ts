import t from 'tap';
import { setupServer } from 'msw/node';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Alerter } from '../../plugin/alerts/alerter.js';
import { FailureRateWatch } from '../../plugin/alerts/failure-rate.js';
import { createSlackSender } from '../../plugin/alerts/slack.js';
import { buildSecondInstance, buildTestApp } from '../helpers/app.js';
import { REDIS_URL } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { createSlackFake, SLACK_WEBHOOK_URL } from '../fakes/slack.js';

const slack = createSlackFake();
const server = setupServer(slack.handler);
server.listen({ onUnhandledRequest: 'error' });
t.teardown(() => server.close());

const quietLog = { warn: () => {} };

async function until(condition: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(slack.received.map((m) => m.text))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const titled = (title: string) => slack.received.filter((message) => message.text === title).length;

t.test('Postgres unreachable: one alert per incident across two worker processes, and one recovery', async (t) => {
  slack.received.length = 0;
  const proxy = await startTcpProxy(5432);
  t.teardown(() => proxy.close());
  const alerts = { slackWebhookUrl: SLACK_WEBHOOK_URL, checkIntervalMs: 50 };
  const first = await buildTestApp(t, { workers: true, alerts }, proxy.port);
  await buildSecondInstance(t, first, {
    workers: true,
    alerts,
    database: { url: first.db.url.replace(':5432/', `:${proxy.port}/`) },
  }).then((app) => app.ready());

  await proxy.cut();
  await until(() => titled('postgres is unreachable') >= 1, 'the outage alert');
  await proxy.restore();
  await until(() => titled('postgres is reachable again') >= 1, 'the recovery alert');
  t.equal(titled('postgres is unreachable'), 1, 'two processes noticed one outage: one alert');
  t.equal(titled('postgres is reachable again'), 1, 'and one recovery');
  const [outage] = slack.received;
  t.match(outage, {
    attachments: [{ color: 'danger', title: 'postgres is unreachable', footer: 'Tresta Notifications', ts: Number }],
  });

  await proxy.cut();
  await until(() => titled('postgres is unreachable') >= 2, 'the second outage alert');
  t.pass('a new incident after recovery is announced again');
  await proxy.restore();
});

t.test('a process that notices an outage only after another declared it over stays quiet', async (t) => {
  slack.received.length = 0;
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const prefix = `tresta-test-alerts-${randomBytes(4).toString('hex')}`;
  const send = createSlackSender(SLACK_WEBHOOK_URL, quietLog);
  const [first, second] = [new Alerter(redis, prefix, send), new Alerter(redis, prefix, send)];
  const outage = { severity: 'critical', title: 'postgres is unreachable', text: 'x' } as const;

  const checksBegan = Date.now();
  t.equal(await first.raise('postgres-unreachable', outage, 3_600, checksBegan), true, 'the first to see it announces it');
  await first.clear('postgres-unreachable');
  t.equal(
    await second.raise('postgres-unreachable', outage, 3_600, checksBegan),
    false,
    'a check that hung through the recovery reports the same, finished incident: quiet',
  );
  t.equal(
    await second.raise('postgres-unreachable', outage, 3_600, Date.now() + 1),
    true,
    'a check begun after the recovery reports a new incident',
  );
  await until(() => titled('postgres is unreachable') === 2, 'the two announcements');
  t.equal(titled('postgres is unreachable'), 2);
});

t.test('Slack failing never throws or blocks: 404 is reported, 429 is tried once more after Retry-After', async (t) => {
  slack.received.length = 0;
  const send = createSlackSender(SLACK_WEBHOOK_URL, quietLog);
  slack.respondNext(404, 'channel_not_found');
  t.equal(await send({ severity: 'warning', title: 'a', text: 'b' }), false);
  slack.respondNext(429, 'rate_limited', { 'retry-after': '1' });
  t.equal(
    await send({ severity: 'warning', title: 'limited', text: 'b' }),
    false,
    'answers at once, without waiting for the retry',
  );
  await until(() => titled('limited') === 2, 'the retry after Retry-After');
  t.equal(titled('limited'), 2);
});

t.test('a failure rate above half of 20 jobs in a minute raises one alert', async (t) => {
  slack.received.length = 0;
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const alerter = new Alerter(
    redis,
    `tresta-test-alerts-${randomBytes(4).toString('hex')}`,
    createSlackSender(SLACK_WEBHOOK_URL, quietLog),
  );
  const watch = new FailureRateWatch(alerter, 'notifications');
  for (let i = 0; i < 15; i++) watch.completed();
  for (let i = 0; i < 14; i++) watch.failed();
  t.equal(slack.received.length, 0, '14 failures of 29: below half, no alert');
  for (let i = 0; i < 30; i++) watch.failed();
  await until(() => slack.received.length >= 1, 'the failure-rate alert');
  t.equal(titled('Jobs are failing on the notifications queue'), 1, 'one alert, however many failures follow');
});
