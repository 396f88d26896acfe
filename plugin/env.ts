import type { TrestaNotificationsOptions } from './options.js';

type Env = Record<string, string | undefined>;

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' || value === '1';
}

/**
 * The options from the seed's environment variables. `auth` is not among them: the host adds it.
 * DATABASE_URL and REDIS_URL are required here; the demo supplies embedded defaults of its own.
 */
export function optionsFromEnv(env: Env = process.env): Omit<TrestaNotificationsOptions, 'auth'> {
  const production = env.NODE_ENV === 'production';
  return {
    database: { url: env.DATABASE_URL ?? '' },
    redis: { url: env.REDIS_URL ?? '' },
    appUrl: env.APP_URL || undefined,
    email: {
      resendApiKey: env.RESEND_API_KEY || undefined,
      from: env.EMAIL_FROM || undefined,
      // The seed sends real email only when asked to, or in production with a key.
      enabled: flag(env.ENABLE_REAL_EMAILS) ?? (production && Boolean(env.RESEND_API_KEY)),
      baseUrl: env.RESEND_BASE_URL || undefined,
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET || undefined,
      webhookSecret: env.RESEND_WEBHOOK_SECRET || undefined,
    },
    realtime: {
      ablyApiKey: env.ABLY_API_KEY || undefined,
      enabled: flag(env.ENABLE_REAL_NOTIFICATIONS) ?? Boolean(env.ABLY_API_KEY),
    },
    alerts: { slackWebhookUrl: env.SLACK_WEBHOOK_URL || undefined },
  };
}
