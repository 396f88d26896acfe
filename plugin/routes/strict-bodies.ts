import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';
import { UnknownBodyKeyError } from '../errors.js';

/** Fastify's own words for a failed schema ("body/digest must be equal to one of the allowed values"). */
function describe(errors: FastifySchemaValidationError[], dataVar: string): string {
  return errors.map((error) => `${dataVar}${error.instancePath || ''} ${error.message}`).join(', ');
}

/**
 * Request bodies in this scope refuse unknown keys, each answered 400 TRESTA_ERR_API_UNKNOWN_KEY
 * naming the key. Fastify's default Ajv removes them instead (`removeAdditional: true`), so a typo
 * like `{"emailEnable": false}` was answered 200 and changed nothing. Nor are JSON values coerced:
 * `"true"` is not a boolean, and `false` is not an empty body (Ajv would make it null). Querystrings, params and
 * headers keep Fastify's defaults (an unknown query parameter, a cache-buster say, is dropped). The
 * compilers are this scope's own: the host's Ajv settings for its own routes stay as they are.
 */
export function useStrictBodies(app: FastifyInstance): void {
  const compilers = AjvCompiler();
  const shared = app.getSchemas() as Parameters<typeof compilers>[0];
  const bodies = compilers(shared, { customOptions: { removeAdditional: false, coerceTypes: false } });
  const everythingElse = compilers(shared, { customOptions: {} });
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? bodies(route) : everythingElse(route)));
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const unknown = errors.find((error) => error.keyword === 'additionalProperties');
    const key = unknown?.params.additionalProperty;
    if (unknown && typeof key === 'string') return new UnknownBodyKeyError(key, `${dataVar}${unknown.instancePath}`);
    return new Error(describe(errors, dataVar));
  });
}
