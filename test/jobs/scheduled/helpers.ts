import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { RESEND_BASE_URL, RESEND_KEY } from '../../fakes/resend.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

export { until } from '../../helpers/until.js';

export const recipientOf = async (userId: string) => ({ email: `${userId}@example.test` });

/** An app whose workers send through the Resend fake (the test file sets up msw with it). */
export async function digestApp(t: Test, email: Record<string, unknown> = {}): Promise<TestApp> {
  return buildTestApp(t, {
    workers: true,
    appUrl: 'https://tresta.test',
    email: {
      resendApiKey: RESEND_KEY,
      enabled: true,
      baseUrl: RESEND_BASE_URL,
      resolveRecipient: recipientOf,
      unsubscribeSecret: 'digest-test-secret-0123456789abcdefghij',
      ...email,
    },
  });
}

export interface SeedNotification {
  userId: string;
  type?: string;
  title?: string;
  createdAt: Date;
  isRead?: boolean;
}

/**
 * Notifications written straight into the table, already delivered (no outbox row): the digest
 * reads them by created_at, which tests place around the tick they run.
 */
export async function seedNotifications(app: FastifyInstance, rows: SeedNotification[]): Promise<string[]> {
  const batch = rows.map((row, i) => ({
    id: randomUUID(),
    user_id: row.userId,
    type: row.type ?? 'NEW_TESTIMONIAL',
    title: row.title ?? `Testimonial ${i + 1} for ${row.userId}`,
    created_at: row.createdAt.toISOString(),
    is_read: row.isRead ?? false,
  }));
  await app.notifications.orm.em.getConnection().execute(
    `insert into tresta_notifications (id, user_id, type, title, message, created_at, is_read, read_at)
     select id, user_id, type, title, 'Ada left 5 stars', created_at, is_read, case when is_read then created_at end
     from jsonb_to_recordset(?::jsonb) as r(id uuid, user_id text, type text, title text, created_at timestamptz, is_read boolean)`,
    [JSON.stringify(batch)],
    'run',
  );
  return batch.map((row) => row.id);
}

export async function setPreferences(
  app: FastifyInstance,
  userId: string,
  preferences: {
    emailEnabled?: boolean;
    digest?: 'daily' | 'weekly' | 'off';
    timeZone?: string;
    digestHour?: number;
    types?: Record<string, { inApp: boolean; email: boolean }>;
  },
): Promise<void> {
  await app.notifications.orm.em.getConnection().execute(
    `insert into tresta_notification_preferences (user_id, email_enabled, digest, time_zone, digest_hour, types)
       values (?, ?, ?, ?, ?, ?::jsonb)`,
    [
      userId,
      preferences.emailEnabled ?? true,
      preferences.digest ?? 'daily',
      preferences.timeZone ?? 'UTC',
      preferences.digestHour ?? 9,
      JSON.stringify(preferences.types ?? {}),
    ],
    'run',
  );
}

/**
 * Gives these users a digest due at any hour a test runs (digestHour 0 in UTC) rather than from
 * 09:00 UTC, the default: a test that runs the digest at the current time must not depend on the
 * hour CI happens to run it.
 */
export async function digestDueAtAnyHour(app: FastifyInstance, userIds: string[]): Promise<void> {
  await app.notifications.orm.em
    .getConnection()
    .execute(
      `insert into tresta_notification_preferences (user_id, digest_hour) select value, 0 from jsonb_array_elements_text(?::jsonb)`,
      [JSON.stringify(userIds)],
      'run',
    );
}

export const at = (iso: string) => new Date(iso);
