import type { ListFilter, Notification, NotificationPage, RealtimeMessage } from './types.js';

/** What tabs of one browser tell each other. */
export type TabMessage =
  /** A real-time message the leader received, or a read change one tab made. */
  | { kind: 'message'; message: RealtimeMessage }
  /** The leader refetched after a reconnect or a poll. */
  | { kind: 'caught-up'; page: NotificationPage; unreadCount: number; filter: ListFilter }
  /** One tab marked a notification read or unread. */
  | { kind: 'updated'; notification: Notification; unreadCount: number }
  /** The user did something in some tab: the browser is not idle. */
  | { kind: 'activity' };

/**
 * Tabs of one browser share one real-time connection: the tab holding a Web Lock leads (opens the
 * connection) and relays what it hears over a BroadcastChannel; when it closes, the lock — and the
 * lead — passes to a waiting tab. Without those APIs (old browsers, insecure origins) every tab leads
 * itself.
 */
export class TabSync {
  private readonly channel: BroadcastChannel | null;
  private readonly abort = new AbortController();
  private releaseLead: (() => void) | undefined;

  constructor(
    private readonly name: string,
    onMessage: (message: TabMessage) => void,
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => onMessage(event.data));
  }

  /** Calls `onLead` once this tab leads (at once when alone or without Web Locks). */
  lead(onLead: () => void): void {
    const locks = typeof navigator === 'object' ? navigator.locks : undefined;
    if (!locks || !this.channel) return onLead();
    locks
      .request(`${this.name}:leader`, { signal: this.abort.signal }, () => {
        onLead();
        return new Promise<void>((release) => {
          this.releaseLead = release;
        });
      })
      .catch(() => {});
  }

  post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  close(): void {
    this.abort.abort();
    this.releaseLead?.();
    this.channel?.close();
  }
}
