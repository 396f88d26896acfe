import type { TrestaNotificationsOptions } from './options.js';

type Env = Record<string, string | undefined>;

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' || value === '1';
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** REDIS_CLUSTER_NODES (comma-separated URLs), else REDIS_SENTINELS (`host:port,…`) with REDIS_SENTINEL_NAME, else REDIS_URL. */
function redisFromEnv(env: Env): TrestaNotificationsOptions['redis'] {
  const nodes = list(env.REDIS_CLUSTER_NODES);
  if (nodes.length > 0) return { cluster: { nodes } };
  const sentinels = list(env.REDIS_SENTINELS);
  if (sentinels.length > 0) {
    return {
      sentinel: {
        sentinels: sentinels.map((address) => {
          const [host, port] = address.split(':');
          return { host, port: port ? Number(port) : 26_379 };
        }),
        name: env.REDIS_SENTINEL_NAME ?? '',
      },
    };
  }
  return { url: env.REDIS_URL ?? '' };
}

/**
 * The options from the environment variables docs/options.md lists. `auth` is not among them: the host adds it.
 * DATABASE_URL and one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS are required here; the demo supplies embedded defaults of its own.
 */
export function optionsFromEnv(env: Env = process.env): Omit<TrestaNotificationsOptions, 'auth'> {
  const production = env.NODE_ENV === 'production';
  return {
    database: { url: env.DATABASE_URL ?? '', directUrl: env.DIRECT_URL || undefined },
    redis: redisFromEnv(env),
    appUrl: env.APP_URL || undefined,
    email: {
      resendApiKey: env.RESEND_API_KEY || undefined,
      from: env.EMAIL_FROM || undefined,
      // Real email goes out only when asked to, or in production with a key: a development machine never mails real users.
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
    metrics: { token: env.METRICS_TOKEN || undefined, processMetrics: flag(env.METRICS_PROCESS) },
    // On when any of the three is set: one missing then fails `register`, naming it.
    ...(env.VAPID_PUBLIC_KEY || env.VAPID_PRIVATE_KEY || env.VAPID_SUBJECT
      ? {
          webPush: {
            vapidPublicKey: env.VAPID_PUBLIC_KEY ?? '',
            vapidPrivateKey: env.VAPID_PRIVATE_KEY ?? '',
            subject: env.VAPID_SUBJECT ?? '',
          },
        }
      : {}),
  };
}
