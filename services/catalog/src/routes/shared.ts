import { invalidField, Type } from '@marquee/platform-http';
import type { FastifyRequest } from 'fastify';

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

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

/** PostgreSQL unique violation → which constraint, so routes can answer 409 naming the field. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const pgErr = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pgErr ? (pgErr.constraint ?? 'unique') : undefined;
}
