import type {
  ErrorBody,
  ListQuery,
  Notification,
  NotificationPage,
  Preferences,
  PreferencesUpdate,
  PushSubscriptionSaved,
  RealtimeOffer,
  TokenProvider,
  UnreadCount,
  UpdatedCount,
} from './types.js';

/** A failed call, with the plugin's error code when it answered one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** Where the plugin's routes live, e.g. "/api" or "https://api.example.com/api". */
  apiBase: string;
  /** Resolves relative bases; the page URL in a browser. */
  baseUrl: string;
  getToken: TokenProvider;
  fetch?: typeof fetch;
}

export const PAGE_SIZE = 20;

interface RequestOptions {
  method?: string;
  body?: unknown;
  keepalive?: boolean;
}

/**
 * The plugin's REST API, DOM-free. Every call carries `Authorization: Bearer <token>` when a token
 * is available (hosts authenticating by cookie have none), and a 401 asks the token provider once
 * more before giving up: session tokens are short-lived and the provider hands out a fresh one.
 */
export class ApiClient {
  private readonly root: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    const base = options.apiBase.endsWith('/') ? options.apiBase : `${options.apiBase}/`;
    this.root = new URL(base, options.baseUrl);
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** An absolute URL for a path under the API base ("notifications/ws"), or for a server-given path ("/api/…"). */
  resolve(path: string): URL {
    return new URL(path, this.root);
  }

  list({ limit = PAGE_SIZE, cursor, ...filter }: ListQuery = {}): Promise<NotificationPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
    return this.request(`notifications?${query}`);
  }

  async unreadCount({ category }: { category?: string } = {}): Promise<number> {
    const query = category ? `?${new URLSearchParams({ category })}` : '';
    return (await this.request<UnreadCount>(`notifications/unread-count${query}`)).count;
  }

  setRead(id: string, isRead: boolean): Promise<Notification> {
    return this.request(`notifications/${encodeURIComponent(id)}`, { method: 'PATCH', body: { isRead } });
  }

  setArchived(id: string, isArchived: boolean): Promise<Notification> {
    return this.request(`notifications/${encodeURIComponent(id)}`, { method: 'PATCH', body: { isArchived } });
  }

  archiveRead(): Promise<UpdatedCount> {
    return this.request('notifications/archive-read', { method: 'POST' });
  }

  /**
   * Marks one read as the page navigates away: resolves once the request is sent (keepalive lets it
   * outlive the page), without waiting for the answer — which no one would be left to read.
   */
  async sendReadBeforeLeaving(id: string): Promise<void> {
    const { response } = await this.dispatch(`notifications/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: { isRead: true },
      keepalive: true,
    });
    response.catch(() => {});
  }

  markAllRead(): Promise<UpdatedCount> {
    return this.request('notifications/mark-all-read', { method: 'POST' });
  }

  preferences(): Promise<Preferences> {
    return this.request('notifications/preferences');
  }

  updatePreferences(update: PreferencesUpdate): Promise<Preferences> {
    return this.request('notifications/preferences', { method: 'PUT', body: update });
  }

  realtime(): Promise<RealtimeOffer> {
    return this.request('notifications/realtime');
  }

  /** Stores this browser's web push subscription (its PushSubscription JSON) at the route the offer names. */
  savePushSubscription(url: string, subscription: PushSubscriptionJSON): Promise<PushSubscriptionSaved> {
    return this.request(url, { method: 'POST', body: subscription });
  }

  removePushSubscription(url: string, endpoint: string): Promise<void> {
    return this.request(url, { method: 'DELETE', body: { endpoint } });
  }

  /** An Ably TokenRequest from the server's token route (path given by the realtime offer). */
  ablyTokenRequest(tokenUrl: string): Promise<Record<string, unknown>> {
    return this.request(tokenUrl);
  }

  async token(): Promise<string | null> {
    return (await this.options.getToken()) ?? null;
  }

  private async request<T>(path: string, init: RequestOptions = {}): Promise<T> {
    let response = await this.send(path, init);
    if (response.status === 401) response = await this.send(path, init);
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as Partial<ErrorBody>;
      throw new ApiError(response.status, body.code, body.message ?? `HTTP ${response.status}`);
    }
    return (await response.json()) as T;
  }

  private async send(path: string, init: RequestOptions): Promise<Response> {
    return (await this.dispatch(path, init)).response;
  }

  /** Resolves as soon as the request is on its way (the token is the only wait), with its response to come. */
  private async dispatch(path: string, init: RequestOptions): Promise<{ response: Promise<Response> }> {
    const token = await this.token();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = this.fetchImpl(this.resolve(path), {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
      keepalive: init.keepalive,
    });
    return { response };
  }
}
