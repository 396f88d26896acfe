import { utcDay } from '../../time/utc-day.js';

// Cron as data: what runs when (UTC), which period a run belongs to (one finished run per job and
// period, fenced in Postgres) and how long its Redis run lock lives. Every worker process upserts
// these schedulers at start-up (same ids: BullMQ keeps one of each); `schedules` overrides a pattern.

export const SCHEDULED_JOBS = ['digest', 'reconciliation', 'redrive', 'retention'] as const;
export type ScheduledJobName = (typeof SCHEDULED_JOBS)[number];

export interface Schedule {
  /** Cron pattern (5 fields), evaluated in UTC. */
  pattern: string;
  /** The period a run at this instant belongs to: the key of its fence row. */
  periodOf: (at: Date) => string;
  /** The run lock's lifetime (`<prefix>:lock:<job>:running`): longer than a run ever takes. */
  lockSeconds: number;
}

/** The minute of an instant (YYYY-MM-DDTHH:MM): the sweeper may run as often as every minute. */
const utcMinute = (at: Date) => at.toISOString().slice(0, 16);
/** The hour of an instant (YYYY-MM-DDTHH): the digest ticks hourly, each user's digest at their local hour. */
const utcHour = (at: Date) => at.toISOString().slice(0, 13);

export const DEFAULT_SCHEDULES: Readonly<Record<ScheduledJobName, Schedule>> = {
  digest: { pattern: '0 * * * *', periodOf: utcHour, lockSeconds: 3_600 },
  reconciliation: { pattern: '59 23 * * *', periodOf: utcDay, lockSeconds: 600 },
  // Every 15 min, not 5: each sweep costs about ten Redis commands and six queries (docs/free-tier.md).
  redrive: { pattern: '*/15 * * * *', periodOf: utcMinute, lockSeconds: 300 },
  retention: { pattern: '0 3 * * *', periodOf: utcDay, lockSeconds: 3_600 },
};

export function isScheduledJobName(name: string): name is ScheduledJobName {
  return (SCHEDULED_JOBS as readonly string[]).includes(name);
}

/** The table with the host's patterns (`schedules` option) in place of the defaults. */
export function schedulesWith(patterns: Partial<Record<ScheduledJobName, string>>): Record<ScheduledJobName, Schedule> {
  return Object.fromEntries(
    SCHEDULED_JOBS.map((name) => [
      name,
      { ...DEFAULT_SCHEDULES[name], pattern: patterns[name] ?? DEFAULT_SCHEDULES[name].pattern },
    ]),
  ) as Record<ScheduledJobName, Schedule>;
}
