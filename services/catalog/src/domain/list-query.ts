import { invalidField } from '@marquee/platform-http';

export const SORTS = ['popularity', 'rating', 'our_rating', 'release_date', 'title'] as const;
export type SortKey = (typeof SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** Value the cursor carries for each sort: numbers for scores, 'YYYY-MM-DD' for dates, lowercased text for titles. */
export type SortValue = number | string;

export interface Cursor {
  sort: SortKey;
  order: SortOrder;
  value: SortValue;
  id: number;
}

// Movie and genre ids are PostgreSQL integers: a larger one cannot name a row and fails as a query parameter.
const PG_INTEGER_MAX = 2_147_483_647;

export function defaultOrder(sort: SortKey): SortOrder {
  return sort === 'title' ? 'asc' : 'desc';
}

/** Opaque to clients: base64url of the last row's (sort value, id) and the sort it belongs to. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.order, c.value, c.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: SortKey, order: SortOrder): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidField('querystring.cursor', 'is not a cursor this API issued');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4)
    throw invalidField('querystring.cursor', 'is not a cursor this API issued');
  const [s, o, value, id] = parsed as [unknown, unknown, unknown, unknown];
  if (s !== sort || o !== order) {
    throw invalidField(
      'querystring.cursor',
      `belongs to sort=${String(s)}&order=${String(o)}, not sort=${sort}&order=${order}`,
    );
  }
  const valueOk =
    sort === 'title'
      ? typeof value === 'string'
      : sort === 'release_date'
        ? typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
        : typeof value === 'number' && Number.isFinite(value);
  if (!valueOk || typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > PG_INTEGER_MAX) {
    throw invalidField('querystring.cursor', 'is not a cursor this API issued');
  }
  return { sort, order, value: value as SortValue, id };
}

/** Genre filter terms: numeric ids or slugs, comma separated. */
export function parseGenreTerms(raw: string | undefined): { ids: number[]; slugs: string[] } {
  const ids: number[] = [];
  const slugs: string[] = [];
  if (!raw) return { ids, slugs };
  for (const part of raw.split(',')) {
    const term = part.trim().toLowerCase();
    if (!term) continue;
    if (/^\d+$/.test(term)) {
      if (Number(term) > PG_INTEGER_MAX) throw invalidField('querystring.genres', `"${part}" is not a genre id`);
      ids.push(Number(term));
    } else if (/^[a-z0-9-]{1,64}$/.test(term)) slugs.push(term);
    else throw invalidField('querystring.genres', `"${part}" is neither a genre id nor a slug`);
  }
  return { ids, slugs };
}
