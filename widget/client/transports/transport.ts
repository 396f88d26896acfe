import type { RealtimeMessage } from '../types.js';

export type TransportName = 'ably' | 'websocket';

/** What a transport reports to the connection that owns it. */
export interface TransportHandlers {
  /** Connected and authenticated: from now on messages arrive (anything earlier may have been missed). */
  onReady(): void;
  onMessage(message: RealtimeMessage): void;
  /**
   * No longer receiving. `fatal` means this transport will not recover by itself (the owner falls
   * back or reconnects); otherwise it is retrying on its own and will call onReady again.
   */
  onDown(reason: { fatal: boolean }): void;
}

/** One real-time connection attempt and its life; the owner decides about retries and fallbacks. */
export interface Transport {
  readonly name: TransportName;
  close(): void;
}

/** Accepts only the message names of the contract, with an id to deduplicate on. */
export function parseRealtimeMessage(value: unknown): RealtimeMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { name, data } = value as { name?: unknown; data?: unknown };
  if (typeof data !== 'object' || data === null) return null;
  if (name === 'new-notification' && typeof (data as { id?: unknown }).id === 'string') {
    return { name, data } as RealtimeMessage;
  }
  if ((name === 'notifications-read' || name === 'notifications-archived') && typeof (data as { unreadCount?: unknown }).unreadCount === 'number') {
    return { name, data } as RealtimeMessage;
  }
  return null;
}
