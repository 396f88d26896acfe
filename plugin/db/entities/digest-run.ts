import { EntitySchema } from '@mikro-orm/core';

/**
 * pending: claimed and handed to the sender; sent; skipped (no address, or a suppressed one);
 * carried (the budget was spent: its notifications stay untaken for the next run); failed (refused for good).
 */
export type DigestRunStatus = 'pending' | 'sent' | 'skipped' | 'carried' | 'failed';

/**
 * One digest per user per period (periodKey: the user's local date of the run, daily and weekly
 * alike). The unique row is the fence that keeps a re-run or a second scheduler from sending
 * twice. What it lists is recorded on the notifications it took (their digest_run_id), and its
 * rendered email in its delivery log row, so a resumed run sends the same bytes.
 */
export interface DigestRun {
  id: string;
  userId: string;
  period: 'daily' | 'weekly';
  periodKey: string;
  status: DigestRunStatus;
  notificationCount: number;
  /** Set on digests sent before digests took notifications by id: where their time window began. */
  windowStart: Date | null;
  /** The tick of the run that made the row (for digests sent before: where their window ended). */
  windowEnd: Date;
  createdAt: Date;
  sentAt: Date | null;
}

export const DigestRunSchema = new EntitySchema<DigestRun>({
  name: 'TrestaDigestRun',
  tableName: 'tresta_digest_runs',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'text' },
    period: { type: 'text' },
    periodKey: { type: 'text' },
    status: { type: 'text', default: 'pending' },
    notificationCount: { type: 'integer', default: 0 },
    windowStart: { type: 'datetime', length: 3, nullable: true },
    windowEnd: { type: 'datetime', length: 3 },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
    sentAt: { type: 'datetime', length: 3, nullable: true },
  },
  uniques: [{ name: 'tresta_digest_runs_user_period_unique', properties: ['userId', 'periodKey'] }],
});
