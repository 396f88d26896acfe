import type { FastifyInstance, FastifyRequest } from 'fastify';
import { escapeHtml } from '../email/templates/escape.js';
import type { UnsubscribeScope } from '../email/unsubscribe.js';
import { InvalidUnsubscribeTokenError, UnsubscribeBodyError, UnsubscribeLinkExpiredError } from '../errors.js';
import { updatePreferences } from '../services/preferences.js';
import { handleRouteError } from './error-handler.js';
import type { RouteContext } from './context.js';

export type UnsubscribeRouteOptions = Pick<RouteContext, 'orm' | 'types' | 'unsubscribeLinks' | 'productName'>;

const MAX_FORM_BYTES = 4_096;
const querystring = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 2_048 } },
} as const;
const htmlPage = { 200: { type: 'string', description: 'an HTML page' } };

/**
 * The request line Fastify logs for these routes, with the token taken out of the URL: a link
 * that works for weeks without a session must not sit in the host's logs. Same fields as
 * Fastify's own serializer otherwise.
 */
const logSerializers = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: request.url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
};

/** RFC 8058's body, urlencoded (`List-Unsubscribe=One-Click`) or as a multipart field of that name. */
function isOneClick(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  if (new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click') return true;
  return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
}

function page(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#18181b;background:#f4f4f5;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:8px;padding:32px;max-width:420px}button{font:inherit;padding:10px 18px;border:0;border-radius:6px;background:#4f46e5;color:#fff;cursor:pointer}</style>
</head><body><main>${bodyHtml}</main></body></html>
`;
}

/**
 * GET and POST /api/notifications/unsubscribe?token=… — one-click unsubscribe (RFC 8058), open to
 * anyone holding a genuine token and to nobody else. GET only shows a confirmation page (mail
 * software prefetches links, so a GET must change nothing); POST turns the email off — the type's,
 * or all of it — and answers 200 without a redirect.
 */
export async function unsubscribeRoutes(app: FastifyInstance, options: UnsubscribeRouteOptions): Promise<void> {
  app.setErrorHandler(handleRouteError);
  // Mailbox providers post a tiny form; it is read as text here, never as a file upload. Only the
  // two form types RFC 8058 names are taken: no JSON, no text/plain.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_request, body, done) => done(null, body),
  );

  const scopeOf = async (request: FastifyRequest): Promise<UnsubscribeScope> => {
    const verdict = await options.unsubscribeLinks.verify((request.query as { token: string }).token);
    if (verdict.kind === 'expired') throw new UnsubscribeLinkExpiredError();
    if (verdict.kind === 'invalid') throw new InvalidUnsubscribeTokenError();
    return verdict.scope;
  };
  // A link for a type no longer registered asks for quiet about emails that are no longer sent, and
  // one for a type made required since (a security alert) names email no preference can stop: there
  // is nothing to turn off — never all email, which the user did not ask for.
  const isUnswitchableType = (scope: UnsubscribeScope) =>
    scope.type !== null && (!Object.hasOwn(options.types, scope.type) || options.types[scope.type]?.required === true);
  const what = (scope: UnsubscribeScope) =>
    scope.type ? `emails about ${scope.type}` : `all emails from ${options.productName}`;
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  };

  app.get(
    '/unsubscribe',
    {
      logSerializers,
      schema: { summary: 'The unsubscribe confirmation page (changes nothing)', querystring, response: htmlPage },
    },
    async (request, reply) => {
      const scope = await scopeOf(request);
      const token = (request.query as { token: string }).token;
      return reply.headers(headers).send(
        page(
          'Unsubscribe',
          `<h1>Unsubscribe?</h1><p>Stop ${escapeHtml(what(scope))}.</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
    },
  );

  app.post(
    '/unsubscribe',
    { logSerializers, schema: { summary: 'One-click unsubscribe (RFC 8058)', querystring, response: htmlPage } },
    async (request, reply) => {
      const scope = await scopeOf(request);
      if (!isOneClick(request.body)) throw new UnsubscribeBodyError();
      if (!isUnswitchableType(scope)) {
        const update = scope.type ? { types: { [scope.type]: { email: false } } } : { emailEnabled: false };
        await updatePreferences(options.orm.em.fork(), scope.userId, update, options.types);
        request.log.info({ userId: scope.userId, type: scope.type }, 'unsubscribed by one-click link');
      }
      return reply
        .headers(headers)
        .send(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>You will no longer receive ${escapeHtml(what(scope))}.</p>`));
    },
  );
}
