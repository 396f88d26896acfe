/** The resolved `alerts` option. */
export interface AlertSettings {
  slackWebhookUrl: string | null;
  checkIntervalMs: number;
}
