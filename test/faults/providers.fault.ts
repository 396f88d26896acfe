import t from 'tap';
import { startScenario } from './harness.js';

// The providers misbehave in the middle of a flood: Resend (429 with retry-after, 5xx, 409s,
// connections reset before and after it accepted an email, slow answers), Ably's REST publish
// (5xx) and Slack's webhook (404, 429). Sending must go on, once per email, and alerts must
// neither block nor fail anything.
//
// Timeouts: the resend SDK (6.x) sets none — it calls fetch without a signal, so a Resend that
// never answers holds an email job until Node's own HTTP client gives up (undici's 300 s headers
// timeout). Here a hung answer is covered as what a client sees once a timeout does fire, a
// connection that drops ("reset"), before and after Resend accepted the email, and slow answers
// (3 s) are shown to do no harm.

t.test('Resend: 429 with retry-after, 500, 503, 409s, connection resets and slow answers', async (t) => {
  const s = await startScenario(t, { dailyLimit: 20 });
  await s.spawnWorker();
  s.resend.inject(
    { status: 429, name: 'rate_limit_exceeded', headers: { 'retry-after': '1' } },
    { status: 500, name: 'application_error' },
    { status: 409, name: 'concurrent_idempotent_requests' },
    { status: 503, name: 'service_unavailable' },
    { status: 409, name: 'invalid_idempotent_request' },
    { status: 429, name: 'rate_limit_exceeded', headers: { 'retry-after': '1' } },
    { status: 500, name: 'application_error' },
  );
  await s.flood(200, { batch: 50, pauseMs: 50 });
  await s.waitUntil(
    async () => s.resend.calls.length,
    (n) => n >= 7,
    'the injected answers used up',
    60_000,
  );
  // Then the connection: reset before Resend sees a request, reset after it accepted one (the
  // answer is lost, the retry must be answered from Resend's idempotency store), answers held 3 s.
  s.gate.resetBefore(2);
  s.gate.resetAfter(2);
  s.gate.delay(3, 3_000);
  await s.flood(200, { batch: 50, pauseMs: 50 });
  await s.assertInvariants(t, 120_000);

  const deadLetters = (
    await s.observer.query<{ queue: string; error_type: string; http_status: number | null }>(
      'select queue, error_type, http_status from tresta_dead_letters',
    )
  ).rows;
  t.match(
    deadLetters,
    [{ queue: 'emails', error_type: 'permanent', http_status: 409 }],
    'only the email refused with invalid_idempotent_request is given up on',
  );
  const failed = await s.count(`select count(*)::int as count from tresta_email_deliveries where status = 'failed'`);
  t.equal(failed, 1, 'and it is logged failed');
  const callsByKey = new Map<string, number>();
  for (const call of s.resend.calls)
    callsByKey.set(call.idempotencyKey ?? '', (callsByKey.get(call.idempotencyKey ?? '') ?? 0) + 1);
  const replayed = s.resend.sent.filter((email) => (callsByKey.get(email.idempotencyKey ?? '') ?? 0) > 1).length;
  t.ok(replayed >= 2, `${replayed} accepted emails were asked for again (lost answers, retries) and went out once`);
});

t.test('Ably: REST publish answers 500', async (t) => {
  const s = await startScenario(t, { ably: true });
  await s.spawnWorker();
  s.ably!.failNextRequests(30);
  await s.flood(300, { batch: 50, pauseMs: 50 });
  // The invariants include Ably's side: each notification published on its user's channel, once
  // (a republished message id is dropped by Ably, and by the fake).
  await s.assertInvariants(t, 120_000);
  t.ok(s.ably!.requests() > 300, `${s.ably!.requests()} publishes for 300 notifications: the failed ones were retried`);
});

t.test('Slack: the webhook answers 404, then 429, while budget alerts fire', async (t) => {
  // A budget of 10 normal emails: the flood's 20 cross 80, 90 and 100 %.
  const s = await startScenario(t, { slack: true, dailyLimit: 10 });
  s.slack!.answerNext(
    { status: 404, body: 'channel_not_found' },
    { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
    { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
  );
  await s.spawnWorker();
  await s.flood(400, { batch: 50, pauseMs: 50 });
  await s.assertInvariants(t, 120_000);
  await s.waitUntil(
    async () => s.slack!.received.length,
    (n) => n >= 3,
    'the budget alerts reaching Slack',
    30_000,
  );
  t.ok(
    s.slack!.received.some((text) => /budget/i.test(text)),
    `Slack was sent the budget alerts: ${JSON.stringify(s.slack!.received)}`,
  );
  // Held back, never dropped: folded into the user's next digest, or deferred to tomorrow without one.
  const heldBack = await s.count(
    `select count(*)::int as count from tresta_email_deliveries where status in ('deferred', 'folded')`,
  );
  t.ok(heldBack > 0, `${heldBack} normal emails held back (folded or deferred) once the budget was spent`);
});
