import { Readable } from 'node:stream';
import { invalidField, Type } from '@marquee/platform-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvLines } from '../domain/csv';

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
export const security = [{ bearerAuth: [] }];
export const IsoDay = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD.' });
export const Format = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv')], {
    default: 'json',
    description: '`csv`: an RFC 4180 download, streamed page by page.',
  }),
);
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const MAX_RANGE_DAYS = 3660;

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

function day(field: string, value: string): number {
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value)
    throw invalidField(field, 'is not a calendar day');
  return t;
}

/** from ≤ to, both real days, at most ten years apart. */
export function checkedRange(q: { from: string; to: string }): { from: string; to: string } {
  const from = day('querystring.from', q.from);
  const to = day('querystring.to', q.to);
  if (to < from) throw invalidField('querystring.to', 'must not be before from');
  if ((to - from) / 86_400_000 > MAX_RANGE_DAYS)
    throw invalidField('querystring.to', `must be within ${MAX_RANGE_DAYS} days of from`);
  return { from: q.from, to: q.to };
}

/** Collects every page (JSON answers; their ranges are bounded). */
export async function allPages<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** Streams a CSV download; rows are read page by page while the client receives them. */
export function sendCsv<T>(
  reply: FastifyReply,
  filename: string,
  columns: readonly (readonly [string, (row: T) => unknown])[],
  pages: AsyncIterable<T[]>,
) {
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  return reply.send(Readable.from(csvLines(columns, pages)));
}

export async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  yield rows;
}
