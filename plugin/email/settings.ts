import type { Brand } from './templates/brand.js';

/** The resolved `email` option: the provider, the budget and the unsubscribe links. */
export interface EmailSettings {
  resendApiKey: string | null;
  from: string;
  enabled: boolean;
  dailyLimit: number;
  criticalReserve: number;
  perUserHourlyLimit: number;
  resolveRecipient: ((userId: string) => Promise<{ email: string; name?: string } | null>) | null;
  baseUrl: string;
  brand: Brand;
  requestsPerSecond: number;
  concurrency: number;
  unsubscribeSecret: string | null;
  unsubscribeUrl: string;
  unsubscribeLinkDays: number;
  webhookSecret: string | null;
}
