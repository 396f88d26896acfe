/** The resolved `webPush` option: the VAPID identity pushes are signed with, and what users may receive. */
export interface WebPushSettings {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  subject: string;
  allowEndpoint: (url: URL) => boolean;
  perUserHourlyLimit: number;
  icon: string | null;
}
