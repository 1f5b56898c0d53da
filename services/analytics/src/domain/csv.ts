const NEEDS_QUOTES = /[",\r\n]/;
// A spreadsheet runs a cell starting with these as a formula; user-typed text (search queries) must not.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field: quoted (quotes doubled) when it holds a quote, comma or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (typeof value === 'string') s = FORMULA_START.test(value) ? `'${value}` : value;
  else if (value instanceof Date) s = value.toISOString();
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One record with its CRLF terminator. */
export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** The header then every record of every page, page by page, so a long report never sits in memory. */
export async function* csvLines<T>(
  columns: readonly (readonly [header: string, value: (row: T) => unknown])[],
  pages: AsyncIterable<T[]>,
): AsyncGenerator<string> {
  yield csvRecord(columns.map(([h]) => h));
  for await (const page of pages) {
    yield page.map((row) => csvRecord(columns.map(([, value]) => value(row)))).join('');
  }
}
