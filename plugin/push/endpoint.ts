import { createPublicKey } from 'node:crypto';

// The browsers' push services. A subscription's endpoint is a URL the user hands us and the
// workers then POST to: left open, it would let anyone aim our server at an internal address.
const PUSH_SERVICE_HOSTS = [
  /^fcm\.googleapis\.com$/, // Chrome, Edge on Android, Opera, Samsung Internet
  /^[a-z0-9-]+(\.[a-z0-9-]+)*\.push\.services\.mozilla\.com$/, // Firefox
  /^[a-z0-9-]+(\.[a-z0-9-]+)*\.push\.apple\.com$/, // Safari
  /^[a-z0-9-]+(\.[a-z0-9-]+)*\.notify\.windows\.com$/, // Edge on Windows (WNS)
];

/**
 * The default `webPush.allowEndpoint`: https on a known push service's host name, default port,
 * no credentials in the URL. An IP address (loopback, private or public) never matches a name.
 */
export function isBrowserPushService(url: URL): boolean {
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return false;
  return PUSH_SERVICE_HOSTS.some((host) => host.test(url.hostname));
}

/** Decodes base64url (padding allowed, as some browsers send it); null when it is anything else. */
export function decodeBase64url(value: string): Buffer | null {
  return /^[A-Za-z0-9_-]*={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : null;
}

/**
 * Is this the browser's `p256dh` key: an uncompressed point (65 bytes, 0x04 first) on the P-256
 * curve? node:crypto refuses to import a point that is not on the curve, so a key that could never
 * be encrypted to is refused at subscription time rather than failing every push later.
 */
export function isP256PublicKey(bytes: Buffer): boolean {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: bytes.subarray(1, 33).toString('base64url'),
        y: bytes.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}
