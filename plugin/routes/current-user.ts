import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../auth/types.js';
import { UnauthorizedError } from '../errors.js';

/** The verified caller; the authentication hook has already refused requests without one. */
export function currentUser(request: FastifyRequest): AuthenticatedUser {
  if (!request.trestaUser) throw new UnauthorizedError('no credentials');
  return request.trestaUser;
}
