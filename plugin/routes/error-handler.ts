import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/availability.js';
import { BAD_REQUEST_CODE, DatabaseUnavailableError, InternalError } from '../errors.js';

const RETRY_AFTER_SECONDS = 5;

function send(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply.status(statusCode).send({ statusCode, code, error: STATUS_CODES[statusCode], message });
}

/**
 * Client errors and the catalog's own errors keep their code and message; an unreachable database
 * answers 503 with retry-after; anything else is logged and answered without its details (no
 * stack, no SQL).
 */
export function handleRouteError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const fromCatalog = error.code?.startsWith('TRESTA_ERR_') === true;
  if (error.statusCode && error.statusCode >= 400 && (error.statusCode < 500 || fromCatalog)) {
    return send(reply, error.statusCode, error.code ?? BAD_REQUEST_CODE, error.message);
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'notification store unavailable');
    const unavailable = new DatabaseUnavailableError();
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return send(reply, unavailable.statusCode, unavailable.code, unavailable.message);
  }
  request.log.error({ err: error }, 'notification route failed');
  const internal = new InternalError();
  return send(reply, internal.statusCode, internal.code, internal.message);
}
