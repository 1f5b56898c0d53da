import { AppError, type FieldProblem } from './errors';

const ALLOWED = new Set([9, 10, 13]);

/** C0 controls but tab, newline and carriage return, and DEL: PostgreSQL refuses NUL outright. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && !ALLOWED.has(c)) || c === 127) return true;
  }
  return false;
}

function collect(value: unknown, path: string, out: FieldProblem[]): void {
  if (typeof value === 'string') {
    if (hasControl(value)) out.push({ field: path, reason: 'must not contain control characters' });
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collect(v, `${path}.${i}`, out);
  } else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    // Raw bytes (a body kept as a Buffer, as the gateway forwards it) are not fields: whoever parses them checks them.
    for (const [k, v] of Object.entries(value)) collect(v, `${path}.${k}`, out);
  }
}

/**
 * preValidation hook: a 400 naming every body, query or path field that carries a control character.
 * Callback style: it runs on every request, and an async hook costs a promise and a tick each time.
 */
export function rejectControlCharacters(
  req: { body?: unknown; query?: unknown; params?: unknown },
  _reply: unknown,
  done: (err?: Error) => void,
): void {
  const problems: FieldProblem[] = [];
  collect(req.body, 'body', problems);
  collect(req.query, 'querystring', problems);
  collect(req.params, 'params', problems);
  if (problems.length > 0) {
    done(new AppError(400, 'VALIDATION.FAILED', problems.map((p) => `${p.field} ${p.reason}`).join('; '), problems));
    return;
  }
  done();
}
