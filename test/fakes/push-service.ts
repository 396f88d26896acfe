import { createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, createDecipheriv } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A browser's side of one subscription: what PushSubscription.toJSON() gives, and the private key it keeps. */
export interface FakeSubscription {
  id: string;
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  privateKey: Buffer;
  publicKey: Buffer;
  authSecret: Buffer;
}

/** A push the fake accepted: verified and decrypted. */
export interface ReceivedPush {
  subscriptionId: string;
  payload: Record<string, unknown>;
  ttl: number;
  urgency: string | null;
  vapid: { k: string; aud: string; exp: number; sub: string };
}

type Answer = { status: number; headers?: Record<string, string> };

function p256Key(raw: Buffer) {
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
}

/**
 * VAPID (RFC 8292): `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256, signed by
 * that key, `aud` the endpoint's origin, `exp` in the future and within 24 hours, `sub` mailto:/https:.
 * Throws what a push service would refuse the request for.
 */
function verifyVapid(header: string | undefined, origin: string): ReceivedPush['vapid'] {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`no vapid Authorization: ${header}`);
  const [, token, k] = match as unknown as [string, string, string];
  const [head, body, signature] = token.split('.');
  if (!head || !body || !signature) throw new Error('the token is not a JWT');
  const header64 = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header64.alg !== 'ES256') throw new Error(`alg ${header64.alg}`);
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: p256Key(Buffer.from(k, 'base64url')), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('the token is not signed by k');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud}, expected ${origin}`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) throw new Error(`exp ${claims.exp}`);
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub ${claims.sub}`);
  return { k, aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

/**
 * RFC 8291 with RFC 8188's aes128gcm, as the browser decrypts: the header (salt, record size, the
 * server's ephemeral public key), the shared secret with the subscription's private key, the keys
 * derived with the auth secret, one record, its padding delimiter 0x02.
 */
function decrypt(body: Buffer, subscription: FakeSubscription): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65 || record.length > recordSize) throw new Error('malformed aes128gcm header');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(subscription.privateKey);
  const shared = ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscription.publicKey, serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, subscription.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record has no 0x02 delimiter');
  return padded.subarray(0, end);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A browser push service on a real port (the boundary the plugin cannot reach in tests): each
 * subscription is a real P-256 key pair and auth secret; a push is accepted (201) only when its
 * VAPID token verifies and its body decrypts. Answers can be set for the next pushes (429 with
 * Retry-After, 500, 404, 410…); a subscription can be made gone (410 from then on).
 */
export async function startPushService() {
  const subscriptions = new Map<string, FakeSubscription>();
  const gone = new Set<string>();
  const next: Answer[] = [];
  const received: ReceivedPush[] = [];
  /** Every request, in order: its subscription and the status answered. */
  const requests: Array<{ subscriptionId: string; status: number }> = [];
  const refusals: string[] = [];
  let origin = '';

  const answer = async (request: IncomingMessage): Promise<Answer> => {
    const id = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1];
    const subscription = id ? subscriptions.get(id) : undefined;
    const body = await readBody(request);
    if (request.method !== 'POST' || !id || !subscription || gone.has(id)) return { status: gone.has(id ?? '') ? 410 : 404 };
    // Push services refuse an encrypted body over 4 KB with 413, as the browsers' own do.
    if (body.length > 4096) {
      refusals.push(`payload of ${body.length} bytes`);
      return { status: 413 };
    }
    let vapid: ReceivedPush['vapid'];
    let payload: Record<string, unknown>;
    try {
      vapid = verifyVapid(request.headers.authorization, origin);
      if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error(`encoding ${request.headers['content-encoding']}`);
      if (!/^\d+$/.test(String(request.headers.ttl))) throw new Error(`TTL ${request.headers.ttl}`);
      payload = JSON.parse(decrypt(body, subscription).toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      refusals.push((error as Error).message);
      return { status: 400 };
    }
    const injected = next.shift();
    if (injected) return injected;
    received.push({
      subscriptionId: id,
      payload,
      ttl: Number(request.headers.ttl),
      urgency: (request.headers.urgency as string | undefined) ?? null,
      vapid,
    });
    return { status: 201, headers: { location: `${origin}/message/${randomUUID()}` } };
  };

  const server: Server = createServer((request, response) => {
    answer(request).then(
      (result) => {
        const id = /^\/push\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
        requests.push({ subscriptionId: id, status: result.status });
        response.writeHead(result.status, result.headers ?? {});
        response.end();
      },
      () => {
        response.writeHead(500);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    requests,
    /** Why pushes were refused (a bad VAPID token, a body that would not decrypt): empty when all was well. */
    refusals,
    /** A new browser subscription, as the browser would hand it to the page. */
    subscribe(): FakeSubscription {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const id = randomUUID();
      const subscription: FakeSubscription = {
        id,
        json: {
          endpoint: `${origin}/push/${id}`,
          expirationTime: null,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
        },
        privateKey: ecdh.getPrivateKey(),
        publicKey: ecdh.getPublicKey(),
        authSecret: Buffer.alloc(0),
      };
      subscription.authSecret = Buffer.from(subscription.json.keys.auth, 'base64url');
      subscriptions.set(id, subscription);
      return subscription;
    },
    /** The browser unsubscribed: its endpoint answers 410 Gone from now on. */
    unsubscribe(id: string) {
      gone.add(id);
    },
    /** The answers to the next verified pushes, in order (then 201 again). */
    answerNext(...answers: Answer[]) {
      next.push(...answers);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type PushServiceFake = Awaited<ReturnType<typeof startPushService>>;
