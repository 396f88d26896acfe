import { EntitySchema } from '@mikro-orm/core';

export type DigestRunStatus = 'pending' | 'sent' | 'skipped' | 'carried';

/**
 * One digest per user per period (periodKey: the UTC date for daily, the ISO week for weekly).
 * The unique row is the fence that keeps a re-run or a second scheduler from sending twice.
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
});
