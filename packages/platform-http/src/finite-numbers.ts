import type { HttpApp } from './app';
import { invalidField } from './errors';

/** The path of the first number that is not finite, or undefined. */
function nonFinitePath(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Rejects, after validation, any number that is not finite: ajv coerces the text `1e309` or `Infinity` to an
 * infinite number that passes as an integer (and JSON.parse reads 1e309 as Infinity), which then reaches SQL.
 */
export function rejectNonFiniteNumbers(app: HttpApp): void {
  app.addHook('preHandler', async (req) => {
    const parts: [string, unknown][] = [
      ['params', req.params],
      ['querystring', req.query],
      ['body', req.body],
    ];
    for (const [part, value] of parts) {
      const field = nonFinitePath(value, part);
      if (field) throw invalidField(field, 'must be a finite number');
    }
  });
}
