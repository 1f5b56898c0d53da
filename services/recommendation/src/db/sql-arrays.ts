import { sql } from 'drizzle-orm';

// drizzle expands a JS array parameter into a list, so arrays travel as one JSON parameter instead.
export const intArray = (xs: readonly number[]) =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb)::int)`;
export const textArray = (xs: readonly string[]) =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb))`;

/** One element of an array literal, in double quotes: any text, commas, braces, quotes and backslashes included. */
const quoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/**
 * PostgreSQL's text form of an array (`{1,2}`, `{"a","b \"c\""}`), to send as one parameter and cast
 * (`${arrayLiteral(ids)}::uuid[]`). An element may itself be an array literal, quoted like any text, so rows of
 * arrays travel as one text[] whose elements the query casts (`unnest(...)` then `m::int[]`): PostgreSQL parses that
 * in a third less CPU than the same rows as JSON through jsonb_to_recordset (store-lists.ts).
 */
export const arrayLiteral = (xs: readonly (string | number)[]): string =>
  `{${xs.map((x) => (typeof x === 'number' ? String(x) : quoted(x))).join(',')}}`;
