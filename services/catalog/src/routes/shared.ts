import { invalidField } from '@marquee/platform-http';
import type { FastifyRequest } from 'fastify';

export { ErrorResponse } from '@marquee/platform-http';

/** A misspelt filter must not be ignored silently: unknown query keys are a 400 naming the key. */
export function rejectUnknownQueryKeys(allowed: string[]) {
  const known = new Set(allowed);
  return async (req: FastifyRequest) => {
    for (const key of Object.keys((req.query as Record<string, unknown>) ?? {})) {
      if (!known.has(key))
        throw invalidField(`querystring.${key}`, `is not a known parameter (expected one of ${allowed.join(', ')})`);
    }
  };
}
