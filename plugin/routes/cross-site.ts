import type { FastifyReply, FastifyRequest } from 'fastify';
import { CrossSiteRequestError } from '../errors.js';

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * For hosts whose credentials a browser sends by itself (cookies): a request that changes state
 * must come from one of the widget's origins. Browsers name the page's origin in `Origin` on every
 * such request; where an older one leaves it out, `Sec-Fetch-Site: cross-site` still tells. A
 * request with neither comes from outside a browser, where no other site's page is involved.
 */
export function refuseCrossSiteWrites(allowedOrigins: readonly string[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (READ_ONLY_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined ? !allowedOrigins.includes(origin) : request.headers['sec-fetch-site'] === 'cross-site') {
      throw new CrossSiteRequestError();
    }
  };
}
