import { type SQL, sql } from 'drizzle-orm';

// drizzle expands a JS array parameter into a row of parameters; these pass one array parameter instead.

/** One element of an array literal, in double quotes: any text, commas, braces, quotes and backslashes included. */
const quoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/**
 * PostgreSQL's text form of an array (`{1,2}`, `{"a","b \"c\""}`), to send as one parameter and cast
 * (`${arrayLiteral(ids)}::uuid[]`). An element may itself be an array literal, quoted like any text, so rows of
 * arrays travel as one text[] whose elements the query casts (`unnest(...)` then `m::int[]`): PostgreSQL parses that
 * in a third less CPU than the same rows as JSON through jsonb_to_recordset (recommendation's store-lists.ts).
 */
export const arrayLiteral = (xs: readonly (string | number)[]): string =>
  `{${xs.map((x) => (typeof x === 'number' ? String(x) : quoted(x))).join(',')}}`;

/** An int[] parameter (each value truncated to an integer). */
export function intArray(values: readonly number[]): SQL {
  return sql`${arrayLiteral(values.map((v) => Math.trunc(v)))}::int[]`;
}

/** A text[] parameter (any characters, via JSON). */
export function textArray(values: readonly string[]): SQL {
  return sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}
