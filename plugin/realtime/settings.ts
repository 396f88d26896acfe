/** The resolved `realtime` option: Ably, the built-in WebSocket's limits and the widget's polling. */
export interface RealtimeSettings {
  ablyApiKey: string | null;
  enabled: boolean;
  allowedOrigins: string[];
  ablyClientOptions: Record<string, unknown>;
  pollIntervalMs: number;
  maxSocketsPerUser: number;
  maxPendingSocketsPerIp: number;
  upgradesPerMinutePerIp: number;
  maxBufferedBytes: number;
}
