import { EntitySchema } from '@mikro-orm/core';

/**
 * pending: claimed and handed to the sender; sent; skipped (no address, or a suppressed one);
 * carried (the budget was spent: the next run sends it, its window still open); failed (refused for good).
 */
export type DigestRunStatus = 'pending' | 'sent' | 'skipped' | 'carried' | 'failed';

/**
 * One digest per user per period (periodKey: the UTC date of the run, daily and weekly alike).
 * The unique row is the fence that keeps a re-run or a second scheduler from sending twice; its
 * window [windowStart, windowEnd) is fixed by the first attempt, so a resumed run renders the
 * same email. The next window starts at the windowEnd of the user's last sent digest.
 */
export interface DigestRun {
  id: string;
  userId: string;
  period: 'daily' | 'weekly';
  periodKey: string;
  status: DigestRunStatus;
  notificationCount: number;
  windowStart: Date | null;
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
  indexes: [
    {
      name: 'tresta_digest_runs_last_sent_idx',
      expression: `create index "tresta_digest_runs_last_sent_idx" on "tresta_digest_runs" ("user_id", "window_end") where "status" = 'sent'`,
    },
  ],
});
