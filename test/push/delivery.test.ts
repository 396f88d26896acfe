import t from 'tap';
import webpush from 'web-push';
import type { Job } from 'bullmq';
import { buildTestApp } from '../helpers/app.js';
import { until } from '../helpers/until.js';
import { awayFromUtcMidnight } from '../helpers/utc-midnight.js';
import { startPushService, type FakeSubscription } from '../fakes/push-service.js';
import { deliverJobId, JOB_OPTIONS, pushJobId } from '../../plugin/jobs/registry.js';

// The metrics count today's pushes: one UTC day per run.
await awayFromUtcMidnight();
const pushService = await startPushService();
t.teardown(() => pushService.close());
const vapid = webpush.generateVAPIDKeys();

const { app, authFor } = await buildTestApp(t, {
  workers: true,
  webPush: {
    vapidPublicKey: vapid.publicKey,
    vapidPrivateKey: vapid.privateKey,
    subject: 'mailto:ops@tresta.test',
    // The fake push service listens on loopback, which the default rule refuses.
    allowEndpoint: (url) => url.origin === pushService.origin,
    perUserHourlyLimit: 2,
    icon: '/icon-192.png',
  },
  types: {
    PUSHED_INFO: { email: 'none', push: true, category: 'updates' },
    PUSHED_CRITICAL: { email: 'none', push: true, severity: 'critical', required: true },
    NOT_PUSHED: { email: 'none' },
  },
});
const db = app.notifications.orm.em.getConnection();
const pushes = app.notifications.queues.pushes!;

/** A browser of the user, subscribed through the route as the widget does; answers its row id. */
async function subscribe(userId: string): Promise<{ browser: FakeSubscription; rowId: string }> {
  const browser = pushService.subscribe();
  const response = await app.inject({
    method: 'POST',
    url: '/api/notifications/push-subscriptions',
    headers: await authFor(userId),
    payload: browser.json,
  });
  if (response.statusCode !== 201) throw new Error(`subscribe: ${response.statusCode} ${response.body}`);
  const [row] = await db.execute<Array<{ id: string }>>('select id from tresta_push_subscriptions where endpoint = ?', [
    browser.json.endpoint,
  ]);
  return { browser, rowId: row!.id };
}

/** The push job of a notification and subscription once it has finished: its state and outcome. */
async function finishedPush(notificationId: string, rowId: string): Promise<{ state: string; returnvalue: unknown; job: Job }> {
  const id = pushJobId(notificationId, rowId);
  const state = await until(
    () => pushes.getJobState(id),
    (state) => state === 'completed' || state === 'failed',
    `the push job of ${notificationId}`,
  );
  // Read once it has finished: a job read before keeps the fields of that moment.
  const job = (await pushes.getJob(id))!;
  return { state, returnvalue: job.returnvalue, job };
}

const delivered = (notificationId: string) =>
  until(
    async () =>
      (
        await db.execute<Array<{ status: string }>>('select status from tresta_outbox where notification_id = ?', [
          notificationId,
        ])
      )[0]?.status,
    (status) => status === 'published',
    'the delivery',
  );

const receivedBy = (browser: FakeSubscription, notificationId: string) =>
  pushService.received.filter((push) => push.subscriptionId === browser.id && push.payload.id === notificationId);

t.test(
  'a push type reaches each browser of its user once: verified VAPID, decrypted payload, urgency from severity',
  async (t) => {
    const phone = await subscribe('ada');
    const laptop = await subscribe('ada');
    const n = await app.notifications.notify({
      userId: 'ada',
      type: 'PUSHED_CRITICAL',
      title: 'New sign-in',
      message: 'From Firefox on Linux',
      link: '/settings/security',
      metadata: { ip: '203.0.113.9' },
      actions: [{ label: 'Review', url: '/settings/security/review', style: 'primary' }],
    });
    for (const { browser, rowId } of [phone, laptop]) {
      t.match(await finishedPush(n.id, rowId), { state: 'completed', returnvalue: 'sent' });
      const [push, ...more] = receivedBy(browser, n.id);
      t.same(more, [], 'one push per browser');
      t.same(
        push!.payload,
        {
          id: n.id,
          type: 'PUSHED_CRITICAL',
          title: 'New sign-in',
          message: 'From Firefox on Linux',
          link: '/settings/security',
          icon: '/icon-192.png',
          severity: 'critical',
          actions: [{ label: 'Review', url: '/settings/security/review' }],
          createdAt: n.createdAt,
        },
        'what the inbox shows, never the metadata',
      );
      t.equal(push!.urgency, 'high', 'critical → high urgency');
      t.equal(push!.ttl, 24 * 3600);
      t.match(push!.vapid, { k: vapid.publicKey, aud: pushService.origin, sub: 'mailto:ops@tresta.test' });
    }
    t.same(pushService.refusals, [], 'every token verified and every body decrypted');
    const rows = await db.execute<Array<{ last_success_at: string | null }>>(
      'select last_success_at from tresta_push_subscriptions where user_id = ?',
      ['ada'],
    );
    t.ok(rows.length === 2 && rows.every((row) => row.last_success_at !== null), 'last_success_at recorded');
  },
);

t.test('429 (Retry-After) and 500 are retried; the push arrives exactly once', async (t) => {
  const { browser, rowId } = await subscribe('bea');
  pushService.answerNext({ status: 429, headers: { 'retry-after': '1' } }, { status: 500 });
  const n = await app.notifications.notify({ userId: 'bea', type: 'PUSHED_INFO', title: 'Weekly numbers', message: 'Up 4 %' });
  const { returnvalue, job } = await finishedPush(n.id, rowId);
  t.equal(returnvalue, 'sent');
  t.equal(job.attemptsMade, 3, 'two failed attempts, then the success');
  t.same(
    pushService.requests.filter((request) => request.subscriptionId === browser.id).map((request) => request.status),
    [429, 500, 201],
  );
  t.equal(receivedBy(browser, n.id).length, 1);
  t.match(receivedBy(browser, n.id)[0], { urgency: 'normal', ttl: 4 * 3600 });
});

t.test('the longest message a notification may carry is shortened to fit a push, not refused (413)', async (t) => {
  const { browser, rowId } = await subscribe('dee');
  const message = 'é'.repeat(5_000);
  const n = await app.notifications.notify({ userId: 'dee', type: 'PUSHED_INFO', title: 'Long', message });
  t.match(await finishedPush(n.id, rowId), { state: 'completed', returnvalue: 'sent' });
  const [push] = receivedBy(browser, n.id);
  const shown = push!.payload.message as string;
  t.ok(shown.endsWith('…') && message.startsWith(shown.slice(0, -1)), 'the start of the message, then an ellipsis');
  // Two bytes a character: about 1,300 of them fit the payload beside the other fields.
  t.ok(shown.length > 1_000, `shortened by what does not fit, no more: ${shown.length} characters kept`);
});

t.test('a subscription the push service answers 410 for is dropped', async (t) => {
  const { browser, rowId } = await subscribe('cy');
  pushService.unsubscribe(browser.id);
  const n = await app.notifications.notify({ userId: 'cy', type: 'PUSHED_INFO', title: 't', message: 'm' });
  t.match(await finishedPush(n.id, rowId), { state: 'completed', returnvalue: 'dropped' });
  t.same(await db.execute('select id from tresta_push_subscriptions where id = ?', [rowId]), [], 'the row is gone');
});

t.test('a delivery that runs twice pushes once: the second run finds the claim', async (t) => {
  const { browser, rowId } = await subscribe('dan');
  const n = await app.notifications.notify({ userId: 'dan', type: 'PUSHED_INFO', title: 'once', message: 'm' });
  t.match(await finishedPush(n.id, rowId), { returnvalue: 'sent' });
  // As if the delivery ran again after its jobs were gone (a re-drive, a requeued dead letter).
  await (await pushes.getJob(pushJobId(n.id, rowId)))!.remove();
  const notifications = app.notifications.queues.notifications!;
  await (await notifications.getJob(deliverJobId(n.id)))?.remove();
  await notifications.add(
    'deliver-notification',
    { notificationId: n.id, userId: 'dan' },
    {
      ...JOB_OPTIONS['deliver-notification'],
      jobId: deliverJobId(n.id),
    },
  );
  t.match(await finishedPush(n.id, rowId), { state: 'completed', returnvalue: 'already-sent' });
  t.equal(receivedBy(browser, n.id).length, 1, 'the browser got it once');
});

t.test('preferences: push off → no push job; a required type pushes whatever is stored; push is per type', async (t) => {
  const { browser, rowId } = await subscribe('eve');
  const eve = await authFor('eve');
  const prefs = (await app.inject({ url: '/api/notifications/preferences', headers: eve })).json();
  t.match(prefs.types, { PUSHED_INFO: { push: true }, PUSHED_CRITICAL: { push: true, required: true } });
  t.notOk('push' in prefs.types.NOT_PUSHED, 'a type never pushed has no push switch');
  const put = (types: Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: eve, payload: { types } });
  t.equal((await put({ PUSHED_INFO: { push: false } })).json().types.PUSHED_INFO.push, false);
  t.equal((await put({ PUSHED_CRITICAL: { push: false } })).json().code, 'TRESTA_ERR_PREFERENCES_REQUIRED');
  t.equal((await put({ NOT_PUSHED: { push: true } })).json().code, 'TRESTA_ERR_PREFERENCES_INVALID');
  t.equal((await put({ PUSHED_INFO: { push: 'no' } })).statusCode, 400);

  const off = await app.notifications.notify({ userId: 'eve', type: 'PUSHED_INFO', title: 'muted', message: 'm' });
  const never = await app.notifications.notify({ userId: 'eve', type: 'NOT_PUSHED', title: 'never', message: 'm' });
  await delivered(off.id);
  await delivered(never.id);
  // The delivery enqueues its pushes before its outbox row is published: none now means none ever.
  t.equal(await pushes.getJob(pushJobId(off.id, rowId)), undefined, 'push off: no job');
  t.equal(await pushes.getJob(pushJobId(never.id, rowId)), undefined, 'a type without push: no job');

  // A stored "off" for a type that became required later does not hold it back.
  await db.execute(
    `update tresta_notification_preferences set types = types || '{"PUSHED_CRITICAL": {"inApp": true, "email": true, "push": false}}' where user_id = ?`,
    ['eve'],
  );
  const required = await app.notifications.notify({ userId: 'eve', type: 'PUSHED_CRITICAL', title: 'required', message: 'm' });
  t.match(await finishedPush(required.id, rowId), { returnvalue: 'sent' });
  t.equal(receivedBy(browser, required.id).length, 1);
  t.same(
    pushService.received.filter((push) => push.subscriptionId === browser.id).map((push) => push.payload.title),
    ['required'],
    'only the required one reached the browser',
  );
});

t.test('the per-user hourly cap drops pushes past it; critical ones are never capped', async (t) => {
  const { browser, rowId } = await subscribe('fay');
  const normal = await app.notifications.notifyMany(
    [1, 2, 3].map((i) => ({ userId: 'fay', type: 'PUSHED_INFO', title: `n${i}`, message: 'm' })),
  );
  const outcomes = await Promise.all(normal.map(async (n) => (await finishedPush(n.id, rowId)).returnvalue));
  t.same(outcomes.sort(), ['capped', 'sent', 'sent'], 'a cap of 2 an hour');
  const critical = await app.notifications.notify({ userId: 'fay', type: 'PUSHED_CRITICAL', title: 'urgent', message: 'm' });
  t.match(await finishedPush(critical.id, rowId), { returnvalue: 'sent' });
  t.equal(pushService.received.filter((push) => push.subscriptionId === browser.id).length, 3);
});

t.test('a refusal other than 404/410/429/5xx is dead-lettered, not retried', async (t) => {
  const { rowId } = await subscribe('gus');
  pushService.answerNext({ status: 403 });
  const n = await app.notifications.notify({ userId: 'gus', type: 'PUSHED_INFO', title: 't', message: 'm' });
  const { state, job } = await finishedPush(n.id, rowId);
  t.equal(state, 'failed');
  t.equal(job.attemptsMade, 1, 'one attempt');
  const [letter] = await until(
    () => db.execute<Array<Record<string, unknown>>>('select * from tresta_dead_letters where job_id = ?', [job.id]),
    (rows) => rows.length === 1,
    'the dead letter',
  );
  t.match(letter, { queue: 'pushes', job_name: 'send-push', error_type: 'permanent', http_status: 403 });
  t.same(
    (await db.execute<Array<{ id: string }>>('select id from tresta_push_subscriptions where id = ?', [rowId])).length,
    1,
    'the subscription is kept',
  );
});

t.test("the metrics count today's pushes: sent, capped, failed", async (t) => {
  const admin = await authFor('ops', { role: 'admin' });
  // Counted after each outcome, off the job's path: polled until they have all landed.
  const metrics = await until(
    async () => (await app.inject({ url: '/admin/metrics', headers: admin })).json(),
    (body) =>
      body.pushes?.sentToday === pushService.received.length && body.pushes.cappedToday === 1 && body.pushes.failedToday === 1,
    "today's pushes in the metrics: all sent, one capped (fay), one refused for good (gus)",
  );
  t.match(metrics.pushes, { sentToday: pushService.received.length, cappedToday: 1, failedToday: 1 });
  t.ok(metrics.queues.pushes, 'the pushes queue is among the queues');
  const text = await app.inject({ url: '/admin/metrics', headers: { ...admin, accept: 'text/plain' } });
  t.match(text.body, new RegExp(`tresta_pushes_sent_total ${pushService.received.length}\\b`));
});
