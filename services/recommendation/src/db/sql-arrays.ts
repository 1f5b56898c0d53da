import { sql } from 'drizzle-orm';

// drizzle expands a JS array parameter into a list, so arrays travel as one JSON parameter instead.
export const intArray = (xs: readonly number[]) =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb)::int)`;
export const textArray = (xs: readonly string[]) =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb))`;
