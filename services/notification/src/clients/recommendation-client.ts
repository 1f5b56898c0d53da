import { getJson } from './get-json';
import type { MovieLine } from '../domain/render-message';

interface RecommendationItem {
  movieId?: unknown;
  title?: unknown;
  reason?: unknown;
  movie?: { title?: unknown };
}

/**
 * A user's current recommendations from the recommendation service:
 * GET {base}/v1/users/{userId}/recommendations?limit=N → { items: [{ movieId, title?, reason?, movie?: { title } }] }.
 */
export function recommendationClient(baseUrl: string, timeoutMs: number) {
  return async (userId: string, limit: number): Promise<MovieLine[]> => {
    const url = `${baseUrl}/v1/users/${encodeURIComponent(userId)}/recommendations?limit=${limit}`;
    const res = await getJson(url, timeoutMs);
    if (res.body === undefined) throw new Error(`recommendation service answered ${res.status} for the digest`);
    const body = res.body as { items?: RecommendationItem[] };
    return (body.items ?? [])
      .filter((i) => Number.isInteger(i.movieId))
      .slice(0, limit)
      .map((i) => {
        const title =
          typeof i.title === 'string' ? i.title : typeof i.movie?.title === 'string' ? i.movie.title : undefined;
        return {
          movieId: i.movieId as number,
          title: title ?? `Movie #${i.movieId}`,
          ...(typeof i.reason === 'string' ? { reason: i.reason } : {}),
        };
      });
  };
}
export type FetchRecommendations = ReturnType<typeof recommendationClient>;

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
