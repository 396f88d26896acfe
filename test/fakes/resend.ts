import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';

export const RESEND_BASE_URL = 'https://api.resend.test';
export const RESEND_KEY = 're_test_0123456789abcdef';

/**
 * The addresses an address list names, read as a mail server reads `to`: split at commas outside
 * quoted strings and angle brackets, each entry holding an `@` counted as one recipient.
 */
export function addressesIn(to: string | string[]): string[] {
  const entries: string[] = [];
  for (const list of Array.isArray(to) ? to : [to]) {
    let current = '';
    let quoted = false;
    let angled = false;
    for (let i = 0; i < list.length; i++) {
      const character = list[i]!;
      if (quoted && character === '\\') {
        current += character + (list[++i] ?? '');
        continue;
      }
      if (character === '"') quoted = !quoted;
      else if (!quoted && character === '<') angled = true;
      else if (!quoted && character === '>') angled = false;
      else if (!quoted && !angled && character === ',') {
        entries.push(current);
        current = '';
        continue;
      }
      current += character;
    }
    entries.push(current);
  }
  return entries.map((entry) => entry.trim()).filter((entry) => entry.includes('@'));
}

interface SentEmail {
  id: string;
  idempotencyKey: string | null;
  /** The recipients Resend would deliver to (and count against the quota). */
  recipients: string[];
  body: {
    from: string;
    to: string | string[];
    subject: string;
    html: string;
    text: string;
    headers?: Record<string, string>;
    tags?: unknown[];
  };
}

type Injected = { status: number; name: string; headers?: Record<string, string> };

/** Hooks a test uses to act at an exact moment of a request (e.g. kill the worker once Resend answered). */
export interface ResendFakeHooks {
  /** Runs after the email is accepted and before the answer leaves: the answer waits for it. */
  beforeAnswer?: (email: SentEmail) => Promise<void>;
}

/**
 * Resend's POST /emails as it behaves (EXTERNAL-APIS.md): Bearer key; the Idempotency-Key map (same
 * key and body → the same answer and no second send; same key, other body → 409
 * invalid_idempotent_request); a per-second rate limit (429 rate_limit_exceeded with retry-after);
 * a daily quota per recipient (429 daily_quota_exceeded); errors injected for the next calls.
 */
export function createResendFake(options: { requestsPerSecond?: number; dailyQuota?: number } = {}, hooks: ResendFakeHooks = {}) {
  const calls: Array<{ idempotencyKey: string | null; bodyHash: string }> = [];
  const sent: SentEmail[] = [];
  const byKey = new Map<string, { bodyHash: string; status: number; json: { id: string } }>();
  // Keys whose first request is still being answered: a second one meanwhile gets 409 concurrent_idempotent_requests.
  const inFlight = new Set<string>();
  const injected: Injected[] = [];
  const window = { second: 0, count: 0 };
  // Resend counts the quota per recipient (to + cc + bcc), not per request.
  let recipientsToday = 0;
  let counter = 0;

  const error = (status: number, name: string, headers: Record<string, string> = {}) =>
    HttpResponse.json({ statusCode: status, name, message: `${name} (fake)` }, { status, headers });

  const respond = async (request: Request): Promise<Response> => {
    const raw = await request.text();
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const idempotencyKey = request.headers.get('idempotency-key');
    calls.push({ idempotencyKey, bodyHash });
    if (request.headers.get('authorization') !== `Bearer ${RESEND_KEY}`) return error(401, 'validation_error');

    const next = injected.shift();
    if (next) return error(next.status, next.name, next.headers);

    const second = Math.floor(Date.now() / 1000);
    if (window.second !== second) Object.assign(window, { second, count: 0 });
    if (options.requestsPerSecond && ++window.count > options.requestsPerSecond) {
      return error(429, 'rate_limit_exceeded', {
        'retry-after': '1',
        'ratelimit-limit': String(options.requestsPerSecond),
        'ratelimit-remaining': '0',
      });
    }

    if (idempotencyKey) {
      if (inFlight.has(idempotencyKey)) return error(409, 'concurrent_idempotent_requests');
      const seen = byKey.get(idempotencyKey);
      if (seen && seen.bodyHash !== bodyHash) return error(409, 'invalid_idempotent_request');
      if (seen) return HttpResponse.json(seen.json, { status: seen.status });
    }
    const body = JSON.parse(raw) as SentEmail['body'];
    const addresses = body.to ? addressesIn(body.to) : [];
    const recipients = addresses.length;
    if (options.dailyQuota !== undefined && recipientsToday + recipients > options.dailyQuota)
      return error(429, 'daily_quota_exceeded');
    if (!body.from || !body.to || !body.subject) return error(422, 'missing_required_field');

    const id = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
    recipientsToday += recipients;
    const email = { id, idempotencyKey, recipients: addresses, body };
    sent.push(email);
    if (idempotencyKey) byKey.set(idempotencyKey, { bodyHash, status: 200, json: { id } });
    if (hooks.beforeAnswer) {
      if (idempotencyKey) inFlight.add(idempotencyKey);
      try {
        await hooks.beforeAnswer(email);
      } finally {
        if (idempotencyKey) inFlight.delete(idempotencyKey);
      }
    }
    return HttpResponse.json({ id });
  };

  /** The same fake on a real port, for worker processes that msw in this process cannot reach. */
  const listen = async (): Promise<{ baseUrl: string; server: Server }> => {
    const server = createServer(async (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
      const response =
        incoming.method === 'POST' && incoming.url === '/emails'
          ? await respond(new Request('http://fake/emails', { method: 'POST', headers, body: Buffer.concat(chunks) }))
          : error(404, 'not_found');
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  };

  const handler = http.post(`${RESEND_BASE_URL}/emails`, ({ request }) => respond(request));
  return { handler, listen, calls, sent, inject: (...responses: Injected[]) => injected.push(...responses) };
}
