import type pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_NOTIFICATION_TYPES, type NotificationTypeConfig } from '../../plugin/index.js';
import type { TestClient } from '../helpers/ws-client.js';

// The four invariants of issue #9, checked over the whole history of a scenario once it is quiet:
// Postgres (what committed, the delivery log, the dead letters), what the Resend fake accepted and
// was asked, what every WebSocket client received, and what each user's list answers. Each check
// returns readable violations (one line each); none means the invariant held.

export interface ProviderRecords {
  /** Emails the provider accepted (one per idempotency key, as Resend does). */
  sent: Array<{ id: string; idempotencyKey: string | null; body: { to: string | string[]; subject: string } }>;
  /** Every request the provider saw, failed ones included. */
  calls: Array<{ idempotencyKey: string | null; bodyHash: string }>;
}

export interface InvariantInput {
  /** A session of the test's own on the scenario's database (not the app's pool: faults hit that). */
  pg: pg.Client;
  app: FastifyInstance;
  authFor: (userId: string) => Promise<{ authorization: string }>;
  provider: ProviderRecords;
  /** Each user's connected WebSocket clients. */
  clients: Map<string, TestClient[]>;
  dailyLimit: number;
  types: Record<string, NotificationTypeConfig>;
  /** Messages an Ably fake delivered (deduplicated by message id, as Ably does), when Ably was on. */
  ably?: Map<string, { channel: string }>;
}

interface NotificationRow {
  id: string;
  user_id: string;
  type: string;
  title: string;
}

interface DeliveryRow {
  id: string;
  notification_id: string | null;
  digest_run_id: string | null;
  user_id: string;
  priority: string;
  status: string;
  idempotency_key: string;
  provider_message_id: string | null;
  quota_date: string | null;
}

const MAX_LINES_PER_CHECK = 15;

/** Keeps a report readable: the first lines of each check, then a count of the rest. */
function capped(lines: string[]): string[] {
  if (lines.length <= MAX_LINES_PER_CHECK) return lines;
  return [...lines.slice(0, MAX_LINES_PER_CHECK), `… and ${lines.length - MAX_LINES_PER_CHECK} more like these`];
}

const sample = (ids: Iterable<string>, n = 3) => [...ids].slice(0, n).join(', ');

function receivedNotifications(client: TestClient): Array<{ id: string; title: string }> {
  return client.frames
    .filter((frame) => frame.name === 'new-notification')
    .map((frame) => frame.data as { id: string; title: string });
}

/** Every notification in its user's list, paged through the API as the widget reads it. */
export async function listAll(
  input: Pick<InvariantInput, 'app' | 'authFor'>,
  userId: string,
): Promise<Array<{ id: string; title: string }>> {
  const items: Array<{ id: string; title: string }> = [];
  const headers = await input.authFor(userId);
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await input.app.inject({ url: `/api/notifications?limit=100${query}`, headers });
    if (response.statusCode !== 200) throw new Error(`list for ${userId} answered ${response.statusCode}: ${response.body}`);
    const body = response.json() as { items: Array<{ id: string; title: string }>; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return items;
}

async function listed(input: InvariantInput, userId: string): Promise<Set<string>> {
  return new Set((await listAll(input, userId)).map((item) => item.id));
}

/**
 * Invariant 1: every committed notification is in its user's list and reached each of that
 * user's connected clients; a client may receive one twice, only ever under the same id.
 */
async function checkReach(input: InvariantInput, notifications: NotificationRow[]): Promise<string[]> {
  const violations: string[] = [];
  const byUser = new Map<string, NotificationRow[]>();
  for (const row of notifications) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);

  for (const [userId, rows] of byUser) {
    const inList = await listed(input, userId);
    const missing = rows.filter((row) => !inList.has(row.id)).map((row) => row.id);
    if (missing.length > 0)
      violations.push(`${userId}: ${missing.length} committed notifications not in the list (${sample(missing)})`);
    const committed = new Set(rows.map((row) => row.id));
    const foreign = [...inList].filter((id) => !committed.has(id));
    if (foreign.length > 0) violations.push(`${userId}: the list shows ${foreign.length} notifications that are not theirs`);
  }

  for (const [userId, clients] of input.clients) {
    const rows = byUser.get(userId) ?? [];
    const committed = new Map(rows.map((row) => [row.id, row]));
    clients.forEach((client, index) => {
      const frames = receivedNotifications(client);
      const got = new Set(frames.map((frame) => frame.id));
      const missed = rows.filter((row) => !got.has(row.id)).map((row) => row.id);
      if (missed.length > 0) {
        violations.push(
          `${userId} client #${index + 1}: ${missed.length} of ${rows.length} notifications never arrived (${sample(missed)})`,
        );
      }
      const strangers = [...got].filter((id) => !committed.has(id));
      if (strangers.length > 0)
        violations.push(
          `${userId} client #${index + 1}: received ${strangers.length} ids that are not their committed notifications`,
        );
      // A duplicate is tolerated only as the same id: the same notification under two ids is two toasts.
      const idsByTitle = new Map<string, Set<string>>();
      for (const frame of frames) idsByTitle.set(frame.title, (idsByTitle.get(frame.title) ?? new Set()).add(frame.id));
      for (const [title, ids] of idsByTitle) {
        if (ids.size > 1) violations.push(`${userId} client #${index + 1}: "${title}" arrived under ${ids.size} different ids`);
      }
    });
  }

  if (input.ably) {
    const missed = notifications.filter((row) => input.ably!.get(row.id)?.channel !== `notifications:${row.user_id}`);
    if (missed.length > 0)
      violations.push(
        `Ably: ${missed.length} notifications never published on their user's channel (${sample(missed.map((row) => row.id))})`,
      );
  }
  return capped(violations);
}

/** Invariant 2: at most one email per (notification, channel), every attempt under the same idempotency key and bytes. */
function checkOnce(input: InvariantInput, notifications: Map<string, NotificationRow>): string[] {
  const violations: string[] = [];
  const keyless = input.provider.calls.filter((call) => !call.idempotencyKey).length;
  if (keyless > 0) violations.push(`${keyless} provider calls carried no Idempotency-Key`);

  const hashesByKey = new Map<string, Set<string>>();
  for (const call of input.provider.calls) {
    if (!call.idempotencyKey) continue;
    hashesByKey.set(call.idempotencyKey, (hashesByKey.get(call.idempotencyKey) ?? new Set()).add(call.bodyHash));
  }
  for (const [key, hashes] of hashesByKey) {
    if (hashes.size > 1) violations.push(`${key}: attempted with ${hashes.size} different bodies under one key`);
  }

  const sentByKey = new Map<string, number>();
  // Keys are one per email by construction; the same notification under another key would be a second email.
  const sentByEmail = new Map<string, string[]>();
  for (const email of input.provider.sent) {
    const key = email.idempotencyKey ?? '(none)';
    sentByKey.set(key, (sentByKey.get(key) ?? 0) + 1);
    const to = Array.isArray(email.body.to) ? email.body.to.join(',') : email.body.to;
    const what = `${to} / ${email.body.subject}`;
    sentByEmail.set(what, [...(sentByEmail.get(what) ?? []), key]);
    const notificationId = /^notification-email\/(.+)$/.exec(key)?.[1];
    if (notificationId) {
      const notification = notifications.get(notificationId);
      if (!notification) violations.push(`${key}: emailed, but no such notification committed`);
      else if (!to.includes(`${notification.user_id}@example.test`)) violations.push(`${key}: emailed to ${to}, not to its user`);
    }
  }
  for (const [key, count] of sentByKey) if (count > 1) violations.push(`${key}: the provider sent it ${count} times`);
  for (const [what, keys] of sentByEmail) {
    if (keys.length > 1 && keys.some((key) => key.startsWith('notification-email/'))) {
      violations.push(`"${what}" sent ${keys.length} times under keys ${keys.join(', ')}`);
    }
  }
  return capped(violations);
}

/**
 * Invariant 3: every email ends in exactly one of sent / deferred / folded (into the user's digest) /
 * suppressed / dead letter, and
 * the log agrees with the provider (sent here ⇔ accepted there, with the provider's id).
 */
function checkFinal(
  input: InvariantInput,
  notifications: NotificationRow[],
  deliveries: DeliveryRow[],
  deadLetterJobIds: Set<string>,
): string[] {
  const violations: string[] = [];
  const singleEmail = (type: string) => {
    const mode = (input.types[type] ?? DEFAULT_NOTIFICATION_TYPES[type])?.email;
    return mode === 'immediate' || mode === 'normal';
  };
  const byNotification = new Map(deliveries.filter((row) => row.notification_id).map((row) => [row.notification_id!, row]));
  const accepted = new Map(input.provider.sent.map((email) => [email.idempotencyKey ?? '', email]));

  for (const notification of notifications) {
    if (!singleEmail(notification.type)) continue;
    if (!byNotification.has(notification.id)) {
      const dead = deadLetterJobIds.has(`email-${notification.id}`) || deadLetterJobIds.has(`deliver-${notification.id}`);
      violations.push(
        `${notification.type} ${notification.id}: its email has no delivery row${dead ? ' (dead-lettered before the first attempt)' : ' (the email was lost)'}`,
      );
    }
  }
  for (const row of deliveries) {
    const jobId = row.notification_id ? `email-${row.notification_id}` : `digest-${row.digest_run_id}`;
    const states: string[] = [];
    if (row.status === 'sent') states.push('sent');
    if (row.status === 'deferred') states.push('deferred');
    if (row.status === 'folded') states.push('folded');
    if (row.status === 'suppressed') states.push('suppressed');
    if (deadLetterJobIds.has(jobId)) states.push('dead letter');
    if (states.length !== 1) {
      const what = states.length === 0 ? `still "${row.status}" with no dead letter` : `in ${states.join(' and ')} at once`;
      violations.push(`${row.idempotency_key}: ${what}`);
    }
    if (row.status === 'failed' && !deadLetterJobIds.has(jobId))
      violations.push(`${row.idempotency_key}: failed without a dead letter`);
    const atProvider = accepted.get(row.idempotency_key);
    // A dead letter may hold an email the provider did send (a job that stalled twice after the
    // call): it is final until an operator requeues it, and the requeue finds the provider's answer.
    if (atProvider && row.status !== 'sent' && !deadLetterJobIds.has(jobId)) {
      violations.push(`${row.idempotency_key}: sent at the provider but logged "${row.status}"`);
    }
    if (!atProvider && row.status === 'sent')
      violations.push(`${row.idempotency_key}: logged sent, but the provider never accepted it`);
    if (atProvider && row.status === 'sent' && row.provider_message_id !== atProvider.id) {
      violations.push(
        `${row.idempotency_key}: logged provider id ${row.provider_message_id}, the provider said ${atProvider.id}`,
      );
    }
  }
  const logged = new Set(deliveries.map((row) => row.idempotency_key));
  for (const email of input.provider.sent) {
    if (!logged.has(email.idempotencyKey ?? ''))
      violations.push(`${email.idempotencyKey}: sent at the provider with no delivery row`);
  }
  return capped(violations);
}

/** Invariant 4: normal-priority emails the provider accepted, per UTC day of their budget, within the limit. */
function checkBudget(input: InvariantInput, deliveries: DeliveryRow[]): string[] {
  const byKey = new Map(deliveries.map((row) => [row.idempotency_key, row]));
  const perDay = new Map<string, number>();
  for (const email of input.provider.sent) {
    const row = byKey.get(email.idempotencyKey ?? '');
    if (row?.priority !== 'normal') continue;
    const day = row.quota_date ?? '(no quota date)';
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return [...perDay]
    .filter(([, count]) => count > input.dailyLimit)
    .map(([day, count]) => `${day}: ${count} normal-priority emails sent, over the budget of ${input.dailyLimit}`);
}

/** The four invariants over the whole history; an empty list when they all hold. */
export async function checkInvariants(input: InvariantInput): Promise<string[]> {
  const notifications = (await input.pg.query<NotificationRow>('select id, user_id, type, title from tresta_notifications')).rows;
  const deliveries = (
    await input.pg.query<DeliveryRow>(
      `select id, notification_id, digest_run_id, user_id, priority, status, idempotency_key, provider_message_id,
              to_char(quota_date, 'YYYY-MM-DD') as quota_date
       from tresta_email_deliveries`,
    )
  ).rows;
  const deadLetterJobIds = new Set(
    // A requeued dead letter is no longer where its job ended.
    (await input.pg.query<{ job_id: string }>('select job_id from tresta_dead_letters where requeued_at is null')).rows.map(
      (row) => row.job_id,
    ),
  );
  const byId = new Map(notifications.map((row) => [row.id, row]));
  const sections: Array<[string, string[]]> = [
    ['reach', await checkReach(input, notifications)],
    ['once', checkOnce(input, byId)],
    ['final', checkFinal(input, notifications, deliveries, deadLetterJobIds)],
    ['budget', checkBudget(input, deliveries)],
  ];
  return sections.flatMap(([name, lines]) => lines.map((line) => `[${name}] ${line}`));
}
