import { type SQL, sql } from 'drizzle-orm';

// drizzle expands a JS array parameter into a row of parameters; these pass one array parameter instead.

/** An int[] parameter. */
export function intArray(values: number[]): SQL {
  return sql`${`{${values.map((v) => Math.trunc(v)).join(',')}}`}::int[]`;
}

/** A text[] parameter (any characters, via JSON). */
export function textArray(values: string[]): SQL {
  return sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}
