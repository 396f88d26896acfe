import { randomUUID } from 'node:crypto';
import t from 'tap';
import { startScenario } from './harness.js';

// The checker itself: after a clean flood it reports nothing; each kind of violation forged into
// the history afterwards is reported, readably. A checker that cannot fail proves nothing.

t.test('the invariant checker reports each kind of violation', async (t) => {
  const s = await startScenario(t, { users: 2, clientsPerUser: 1, dailyLimit: 2 });
  await s.spawnWorker();
  await s.flood(100);
  await s.assertInvariants(t);

  // 1. Committed but never delivered: missing from the clients (and its email never attempted).
  const lostId = randomUUID();
  await s.observer.query(
    `insert into tresta_notifications (id, user_id, type, title, message) values ($1, 'user_000', 'SECURITY_ALERT', 'forged', 'm')`,
    [lostId],
  );
  // 2. A second email for a notification, under another key.
  const [sentEmail] = s.resend.sent.filter((email) => email.idempotencyKey?.startsWith('notification-email/'));
  s.resend.sent.push({ ...sentEmail!, id: randomUUID(), idempotencyKey: `other/${randomUUID()}` });
  // 3. Another attempt of an email with different bytes.
  s.resend.calls.push({ idempotencyKey: sentEmail!.idempotencyKey, bodyHash: 'different' });
  // 4. An email the provider sent, logged as still pending.
  await s.observer.query(`update tresta_email_deliveries set status = 'pending' where idempotency_key = $1`, [
    sentEmail!.idempotencyKey,
  ]);

  const violations = await s.invariants();
  const expect = (pattern: RegExp, what: string) =>
    t.ok(
      violations.some((line) => pattern.test(line)),
      what,
    );
  expect(/^\[reach\] user_000 client #1: 1 of \d+ notifications never arrived/, 'a notification that reached no client');
  expect(new RegExp(`^\\[final\\] SECURITY_ALERT ${lostId}: its email has no delivery row`), 'an email never attempted');
  expect(/^\[once\] .* sent 2 times under keys/, 'a second email under another key');
  expect(/^\[once\] notification-email\/.*: attempted with 2 different bodies/, 'an attempt with other bytes');
  expect(/^\[final\] notification-email\/.*: still "pending"/, 'an email in no final state');
  expect(/^\[final\] notification-email\/.*: sent at the provider but logged "pending"/, 'the log disagreeing with the provider');
  // 5. The budget: the flood's normal emails beyond 2 were deferred; count them sent to overspend it.
  await s.observer.query(
    `update tresta_email_deliveries set priority = 'normal', quota_date = current_date where status = 'sent' and priority = 'high'`,
  );
  t.ok(
    (await s.invariants()).some((line) => /^\[budget\] .* normal-priority emails sent, over the budget of 2/.test(line)),
    'more normal emails sent than the budget',
  );
});
