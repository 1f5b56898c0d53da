import type { MovieLine } from '../domain/render-message';
import { getJson } from './get-json';

/** Movie titles from the catalog's public API, remembered (bounded) since alerts name the same movies often. */
export function movieTitles(catalogUrl: string, timeoutMs: number, maxRemembered = 5000) {
  const known = new Map<number, string>();
  return async (movieIds: number[]): Promise<MovieLine[]> =>
    Promise.all(
      movieIds.map(async (movieId) => {
        const hit = known.get(movieId);
        if (hit) return { movieId, title: hit };
        const res = await getJson(`${catalogUrl}/v1/movies/${movieId}`, timeoutMs).catch(() => undefined);
        const title = (res?.body as { title?: unknown } | undefined)?.title;
        if (typeof title !== 'string' || !title) return { movieId, title: `Movie #${movieId}` };
        if (known.size >= maxRemembered) known.delete(known.keys().next().value as number);
        known.set(movieId, title);
        return { movieId, title };
      }),
    );
}
export type FetchTitles = ReturnType<typeof movieTitles>;
