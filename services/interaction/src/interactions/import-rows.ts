import type { FieldProblem } from '@marquee/platform-http';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { FEEDBACK_TYPES, INTERACTION_TYPES, SOURCES } from '../db/schema';
import { type InteractionInput, interactionProblems } from '../domain/interaction-rules';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})$';
const oneOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const orNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Optional(Type.Union([t, Type.Null()]));

/** One imported interaction: who, what, when it originally happened. */
export const ImportRow = Type.Object(
  {
    userId: Type.String({ pattern: UUID }),
    movieId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    type: oneOf(INTERACTION_TYPES),
    rating: orNull(Type.Integer({ minimum: 1, maximum: 5 })),
    feedbackType: orNull(oneOf(FEEDBACK_TYPES)),
    feedbackComment: orNull(Type.String({ maxLength: 2000 })),
    source: Type.Optional(oneOf(SOURCES)),
    at: Type.String({ pattern: ISO_TIME, description: 'When it originally happened (ISO-8601 with offset).' }),
  },
  { additionalProperties: false },
);
type ImportRow = Static<typeof ImportRow>;
const checker = TypeCompiler.Compile(ImportRow);
const FUTURE_SLACK_MS = 5 * 60_000;

export interface RowProblem extends FieldProblem {
  index: number;
}

/** Validates one row on its own, so a bad row is reported by index while the others go on. */
export function parseImportRow(raw: unknown, index: number, now = Date.now()): InteractionInput | RowProblem[] {
  const prefix = `items.${index}.`;
  if (!checker.Check(raw)) {
    const seen = new Set<string>();
    const problems: RowProblem[] = [];
    for (const e of checker.Errors(raw)) {
      const field = `${prefix}${e.path.replace(/^\//, '').replaceAll('/', '.')}`.replace(/\.$/, '');
      if (seen.has(field)) continue;
      seen.add(field);
      problems.push({ index, field, reason: e.message });
    }
    return problems;
  }
  const row = raw as ImportRow;
  const at = new Date(row.at);
  if (Number.isNaN(at.getTime()) || at.getTime() > now + FUTURE_SLACK_MS)
    return [{ index, field: `${prefix}at`, reason: 'must be a real time, not in the future' }];
  const input: InteractionInput = {
    userId: row.userId.toLowerCase(),
    movieId: row.movieId,
    type: row.type as InteractionInput['type'],
    rating: row.rating ?? null,
    feedbackType: (row.feedbackType ?? null) as InteractionInput['feedbackType'],
    feedbackComment: row.feedbackComment ?? null,
    source: (row.source ?? 'web') as InteractionInput['source'],
    at,
  };
  const problems = interactionProblems(input, prefix);
  return problems.length > 0 ? problems.map((p) => ({ ...p, index })) : input;
}
