import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { register } from 'prom-client';
import trestaNotifications, { optionsFromEnv } from '../../plugin/index.js';
import { DailyCounters } from '../../plugin/metrics/daily-counters.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { REDIS_URL } from '../helpers/services.js';
import { APP_ORIGIN, createTokenKit } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';
import { connectAuthenticated } from '../helpers/ws-client.js';
import { createResendFake, RESEND_KEY } from '../fakes/resend.js';

// On a real port rather than through msw, which would also catch the test's WebSocket client.
const resend = createResendFake();
const { baseUrl: resendUrl, server } = await resend.listen();
t.teardown(() => server.close());

const TOKEN = randomBytes(32).toString('base64url');
// What Prometheus (2.x) sends when it scrapes: OpenMetrics preferred, the text format accepted.
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const scraper = { authorization: `Bearer ${TOKEN}`, accept: PROMETHEUS_ACCEPT };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (its comment lines left out). */
function samplesIn(body: string): Sample[] {
  return body
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample named `name` with (at least) these labels; 0 when there is none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

/** `promtool check metrics` on a body: its exit code and everything it printed (problems and lint). */
function promtoolCheck(body: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(body);
  });
}

t.test(
  'after real traffic: monotonic counters, latency and HTTP histograms, process metrics; promtool finds nothing',
  async (t) => {
    const { app, tokens, authFor, redisPrefix } = await buildTestApp(t, {
      workers: true,
      metrics: { token: TOKEN, processMetrics: true },
      email: {
        resendApiKey: RESEND_KEY,
        enabled: true,
        baseUrl: resendUrl,
        requestsPerSecond: 10_000,
        resolveRecipient: async (userId) => ({ email: `${userId}@example.test` }),
      },
    });
    const scrape = async () => {
      const response = await app.inject({ url: '/admin/metrics', headers: scraper });
      if (response.statusCode !== 200 || !/^text\/plain; version=0\.0\.4/.test(String(response.headers['content-type']))) {
        throw new Error(`not Prometheus' text format: ${response.statusCode} ${response.headers['content-type']}`);
      }
      return response.body;
    };
    const before = samplesIn(await scrape());
    t.equal(valueOf(before, 'tresta_notifications_delivered_total'), 0, 'a fresh deployment starts at 0');
    t.equal(valueOf(before, 'tresta_emails_sent_total', { kind: 'high' }), 0, 'each kind of email is shown before its first');

    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = await connectAuthenticated(
      `${address.replace('http', 'ws')}/api/notifications/ws`,
      await tokens.sign('scraped_user'),
      APP_ORIGIN,
    );
    // Two critical notifications: each is published in real time and emailed at once (kind "high");
    // the provider accepts one email and refuses the other for good, whichever comes first.
    resend.inject({ status: 422, name: 'validation_error' });
    const sent = await app.notifications.notifyMany(
      ['one', 'two'].map((title) => ({ userId: 'scraped_user', type: 'SECURITY_ALERT', title, message: 'm' })),
    );
    for (const notification of sent) await client.waitFor((f) => (f.data as { id?: string } | undefined)?.id === notification.id);

    // The counters are bumped just after what the client and the provider saw: poll with a deadline.
    const after = samplesIn(
      await until(
        scrape,
        (body) => {
          const samples = samplesIn(body);
          return (
            valueOf(samples, 'tresta_notifications_delivered_total') >= 2 &&
            valueOf(samples, 'tresta_emails_sent_total', { kind: 'high' }) >= 1 &&
            valueOf(samples, 'tresta_emails_failed_total', { kind: 'high' }) >= 1
          );
        },
        'the delivery and email counters to count both notifications',
      ),
    );
    t.equal(valueOf(after, 'tresta_notifications_delivered_total'), 2, 'both deliveries counted, once each');
    t.equal(valueOf(after, 'tresta_emails_sent_total', { kind: 'high' }), 1, 'the accepted email');
    t.equal(valueOf(after, 'tresta_emails_failed_total', { kind: 'high' }), 1, 'the refused one');
    t.equal(valueOf(after, 'tresta_emails_sent_total', { kind: 'normal' }), 0, 'no normal email');
    t.equal(valueOf(after, 'tresta_emails_sent_total', { kind: 'digest' }), 0, 'no digest');
    t.equal(resend.sent.length, 1, 'as many as the provider accepted');
    t.equal(valueOf(after, 'tresta_notification_delivery_latency_seconds_count'), 2, 'each publish timed, in this process');
    t.ok(valueOf(after, 'tresta_notification_delivery_latency_seconds_sum') > 0, 'from the creation, not from zero');
    t.equal(valueOf(after, 'tresta_realtime_connections'), 1, "this instance's live socket");

    // HTTP: one series per route template, whatever the id in the URL.
    const headers = await authFor('scraped_user');
    for (const notification of sent) {
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/notifications/${notification.id}`,
        headers,
        payload: { isRead: true },
      });
      t.equal(patched.statusCode, 200);
    }
    const missing = await app.inject({
      method: 'PATCH',
      url: '/api/notifications/00000000-0000-4000-8000-000000000000',
      headers,
      payload: { isRead: true },
    });
    t.equal(missing.statusCode, 404);
    const body = await scrape();
    const samples = samplesIn(body);
    const patch = { route: '/api/notifications/:id', method: 'PATCH' };
    t.equal(valueOf(samples, 'tresta_http_request_duration_seconds_count', { ...patch, status_code: '200' }), 2);
    t.equal(valueOf(samples, 'tresta_http_request_duration_seconds_count', { ...patch, status_code: '404' }), 1);
    t.ok(
      valueOf(samples, 'tresta_http_request_duration_seconds_count', {
        route: '/admin/metrics',
        method: 'GET',
        status_code: '200',
      }) >= 3,
      'the scrapes themselves',
    );
    const routes = new Set(samples.filter((s) => s.name.startsWith('tresta_http_')).map((s) => s.labels.route));
    t.notOk(
      [...routes].some((route) => sent.some((notification) => route?.includes(notification.id))),
      `no URL with an id in a label: ${[...routes].join(', ')}`,
    );

    t.ok(valueOf(samples, 'process_cpu_seconds_total') > 0, 'process metrics with metrics.processMetrics');
    t.ok(valueOf(samples, 'nodejs_heap_size_used_bytes') > 0);
    t.same(await register.getMetricsAsJSON(), [], "prom-client's global registry is the host's: left empty");
    for (const name of ['tresta_notifications_delivered_total', 'tresta_queue_jobs', 'tresta_email_quota_used']) {
      t.match(body, new RegExp(`^# HELP ${name} .+\\(cluster-wide\\)$`, 'm'), `${name} says it is cluster-wide`);
    }
    t.match(body, /^# HELP tresta_http_request_duration_seconds .+\(this instance\)/m, 'and the HTTP histogram per instance');

    const check = await promtoolCheck(body);
    t.equal(check.output, '', 'promtool: no error, no lint warning');
    t.equal(check.code, 0, 'promtool exits 0');

    // The next UTC day, through the same increment the workers use: the daily figure starts again,
    // the total goes on from where it was.
    const counters = new DailyCounters(app.notifications.redis, redisPrefix);
    await counters.increment('notifications_sent', { at: new Date(Date.now() + 86_400_000) });
    const nextDay = samplesIn(await scrape());
    t.equal(valueOf(nextDay, 'tresta_notifications_delivered_total'), 3, 'the day change does not reset the counter');
    const totals = await app.notifications.redis.keys(`${redisPrefix}:metrics:*:total`);
    t.same(
      totals.sort(),
      ['emails_failed', 'emails_sent', 'notifications_sent'].map((name) => `${redisPrefix}:metrics:${name}:total`),
      'one running total per counter, no date in its key',
    );
    for (const key of totals) t.equal(await app.notifications.redis.ttl(key), -1, `${key} never expires`);
  },
);

t.test("by default: no process metrics, and the host's own routes are not timed", async (t) => {
  const db = await createTestDatabase();
  const tokens = await createTokenKit();
  const app = Fastify();
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  app.get('/host/ping', async () => 'pong');
  await app.register(trestaNotifications, {
    database: { url: db.url },
    redis: { url: REDIS_URL, prefix: `tresta-test-${randomBytes(4).toString('hex')}` },
    auth: { jwt: { publicKey: tokens.publicKeyPem } },
    workers: false,
    prefix: '/v1',
    metrics: { token: TOKEN },
  });
  t.equal((await app.inject({ url: '/host/ping' })).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/health/live' })).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/no-such-route' })).statusCode, 404);
  const body = (await app.inject({ url: '/v1/admin/metrics', headers: scraper })).body;
  const samples = samplesIn(body);
  const routes = new Set(
    samples.filter((s) => s.name === 'tresta_http_request_duration_seconds_count').map((s) => s.labels.route),
  );
  t.same([...routes], ['/v1/health/live'], 'the plugin’s route, under its prefix; neither the host’s nor an unknown URL');
  t.notOk(
    samples.some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')),
    'no process metrics unless asked for',
  );
  t.ok(
    samples.some((s) => s.name === 'tresta_realtime_connections'),
    'the plugin’s own series are there',
  );
  t.equal((await promtoolCheck(body)).output, '', 'promtool: nothing to say');
});

t.test('METRICS_PROCESS turns process metrics on', async (t) => {
  t.equal(optionsFromEnv({ METRICS_PROCESS: 'true' }).metrics?.processMetrics, true);
  t.equal(optionsFromEnv({}).metrics?.processMetrics, undefined, 'left to the default');
});
