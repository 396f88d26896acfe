import { EntitySchema } from '@mikro-orm/core';

/** The nightly audit of one UTC day's email budget: one row per date, written idempotently. */
export interface QuotaSnapshot {
  date: string;
  redisCount: number;
  sent: number;
  deferred: number;
  failed: number;
  dailyLimit: number;
  createdAt: Date;
}

export const QuotaSnapshotSchema = new EntitySchema<QuotaSnapshot>({
  name: 'TrestaQuotaSnapshot',
  tableName: 'tresta_quota_snapshots',
  properties: {
    date: { type: 'date', primary: true },
    redisCount: { type: 'integer' },
    sent: { type: 'integer' },
    deferred: { type: 'integer' },
    failed: { type: 'integer' },
    dailyLimit: { type: 'integer' },
    createdAt: { type: 'datetime', length: 3, defaultRaw: 'now()' },
  },
});
