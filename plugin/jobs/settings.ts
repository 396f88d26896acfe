import type { AlertSettings } from '../alerts/settings.js';
import type { EmailSettings } from '../email/settings.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import type { WebPushSettings } from '../push/settings.js';
import type { RedisSettings } from '../redis/settings.js';
import type { RetentionSettings } from './scheduled/retention.js';
import type { ScheduledJobName } from './scheduling/schedules.js';

/** The resolved `jobs` option: how the workers and the outbox relay pace themselves. */
export interface JobSettings {
  concurrency: number;
  lockDurationMs: number;
  relayClaimSize: number;
  drainDelaySeconds: number;
  stalledCheckIntervalMs: number;
  relayIdlePollMs: number;
}

/** The host's cron patterns (`schedules`), by job; a job left out keeps its default. */
export type SchedulePatterns = Partial<Record<ScheduledJobName, string>>;

/** What the relay, the workers and the scheduled jobs read, whether the API process or a worker process runs them. */
export interface WorkerRuntimeSettings {
  redis: RedisSettings;
  jobs: JobSettings;
  alerts: AlertSettings;
  email: EmailSettings;
  types: Record<string, NotificationTypeConfig>;
  appUrl: string;
  retention: RetentionSettings;
  schedules: SchedulePatterns;
  shutdownTimeoutMs: number;
  webPush: WebPushSettings | null;
}
