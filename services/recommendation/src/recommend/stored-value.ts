import type { StoredList } from './compute-lists';

/** The page `GET /v1/me/recommendations` answers when asked for no other: the first 20 items. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * What Redis holds for a user: the default page exactly as the route sends it (the response schema's fields, in
 * its order), a newline, then the whole stored list. JSON.stringify never writes a raw newline, so the first one
 * ends the page: the route sends that prefix as it is, without parsing the list and serialising it again.
 */
export function encodeStoredList(list: StoredList, listSize: number): string {
  return `${defaultPage(list, listSize)}\n${JSON.stringify(list)}`;
}

/** The default page of a stored list, as sent: the fields of the route's response schema and no others. */
export function defaultPage(list: StoredList, listSize: number): string {
  return JSON.stringify({
    algorithm: list.algorithm,
    variant: list.variant,
    generatedAt: list.generatedAt,
    items: list.items.slice(0, Math.min(DEFAULT_PAGE_SIZE, listSize)).map((i) => ({
      movieId: i.movieId,
      title: i.title,
      score: i.score,
      rank: i.rank,
      reason: i.reason,
    })),
  });
}

/** The whole list from a stored value (a value written before the page was stored with it is the list alone). */
export function decodeStoredList(raw: string): StoredList {
  const cut = raw.indexOf('\n');
  return JSON.parse(cut === -1 ? raw : raw.slice(cut + 1)) as StoredList;
}

/** The default page from a stored value, as sent. */
export function storedDefaultPage(raw: string, listSize: number): string {
  const cut = raw.indexOf('\n');
  return cut === -1 ? defaultPage(JSON.parse(raw) as StoredList, listSize) : raw.slice(0, cut);
}
