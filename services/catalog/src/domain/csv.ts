import { parse } from 'csv-parse/sync';

/**
 * RFC 4180 CSV (csv-parse) into rows keyed by the header: quoted fields may hold commas, doubled quotes
 * and newlines; a byte-order mark is dropped; an unclosed quote or a row with the wrong number of fields
 * is an error naming `source` and the line, never a silently merged row.
 */
export function parseCsv(text: string, source = 'CSV'): Record<string, string>[] {
  try {
    return parse(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
    }) as Record<string, string>[];
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}
