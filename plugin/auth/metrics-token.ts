import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from './types.js';

/** Who a scrape with the metrics token is: an admin of the metrics route, and of nothing else. */
const SCRAPER: AuthenticatedUser = { userId: 'metrics-token', isAdmin: true };

/**
 * The caller of `GET <prefix>/admin/metrics` with `Authorization: Bearer <metrics.token>`, else
 * null (the request then authenticates as any other). Compared as digests, in constant time, so the
 * answer's timing says nothing about the token.
 */
export function metricsScraper(token: string | null, metricsPath: string): (request: FastifyRequest) => AuthenticatedUser | null {
  if (token === null) return () => null;
  const expected = createHash('sha256').update(token).digest();
  return (request) => {
    if (request.method !== 'GET' || request.routeOptions.url !== metricsPath) return null;
    const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (presented === undefined) return null;
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expected) ? SCRAPER : null;
  };
}
