import type { HttpApp } from './app';
import { invalidField } from './errors';

// With the u flag a paired surrogate is one code point, so only a lone one matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why a value cannot go on to a handler (and from there to PostgreSQL), or undefined when it can. */
function problemOf(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'must be a finite number';
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return 'is out of range';
  } else if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
    return 'is not well-formed Unicode (a lone surrogate)';
  }
  return undefined;
}

/** The first value anywhere in a request part that cannot go on, with its path. */
function findProblem(value: unknown, path: string): { field: string; reason: string } | undefined {
  if (value !== null && typeof value === 'object') {
    // Raw bytes (a body kept as a Buffer) are not fields; walking them cost one entry per byte.
    if (ArrayBuffer.isView(value)) return undefined;
    for (const [key, v] of Object.entries(value)) {
      const found = findProblem(v, `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  const reason = problemOf(value);
  return reason ? { field: path, reason } : undefined;
}

/**
 * After schema validation, rejects values no Marquee field accepts but the schemas let through: ajv coerces
 * the text `1e309` or `Infinity` to an infinite number that passes as an integer (and JSON.parse reads 1e309
 * as Infinity); huge numbers overflow every column; UTF-8 cannot hold a lone surrogate. Each reached SQL and
 * answered 500. (Control characters, NUL among them, are refused before validation: control-characters.ts.)
 */
export function rejectUnstorableValues(app: HttpApp): void {
  // Callback style: it runs on every request, and an async hook costs a promise and a tick each time.
  app.addHook('preHandler', (req, _reply, done) => {
    const problem =
      findProblem(req.params, 'params') ?? findProblem(req.query, 'querystring') ?? findProblem(req.body, 'body');
    done(problem ? invalidField(problem.field, problem.reason) : undefined);
  });
}
