import type { TmdbMovieFields } from '../domain/tmdb-movie';
import { DEFAULT_RETRY, fetchJson, type RetryPolicy } from './fetch-json';

/** GET /3/movie/{id}?append_to_response=credits, the fields the catalog keeps. */
export interface TmdbMovieDetails extends TmdbMovieFields {
  id: number;
  title: string;
  genres: { id: number; name: string }[];
  adult: boolean;
  credits?: { cast: { name: string; order: number }[]; crew: { name: string; job: string }[] };
}

export interface TmdbPage<T> {
  page: number;
  results: T[];
  total_pages: number;
  total_results: number;
}

export interface TmdbClient {
  movie(tmdbId: number): Promise<TmdbMovieDetails>;
  genres(): Promise<{ id: number; name: string }[]>;
  popular(page: number): Promise<TmdbPage<{ id: number; title: string }>>;
  /** Movies changed between start and end (YYYY-MM-DD, at most 14 days apart). */
  changes(page: number, startDate?: string, endDate?: string): Promise<TmdbPage<{ id: number; adult: boolean | null }>>;
}

/**
 * TMDb API v3. A v3 key goes in the api_key query; a v4 read access token (a JWT, with dots) as Bearer.
 * Refuses to exist without a key, so nothing calls TMDb unconfigured.
 */
export function createTmdbClient(opts: { baseUrl: string; apiKey: string; retry?: RetryPolicy }): TmdbClient {
  if (!opts.apiKey) throw new Error('TMDB_API_KEY is not set; TMDb sync is disabled');
  const bearer = opts.apiKey.includes('.');
  const get = <T>(pathname: string, query: Record<string, string | number | undefined> = {}) => {
    const url = new URL(pathname, opts.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const describe = `TMDb GET ${url.pathname}${url.search}`;
    if (!bearer) url.searchParams.set('api_key', opts.apiKey);
    return fetchJson<T>(
      url,
      { describe, ...(bearer ? { headers: { authorization: `Bearer ${opts.apiKey}` } } : {}) },
      opts.retry ?? DEFAULT_RETRY,
    );
  };
  return {
    movie: (id) => get(`/3/movie/${id}`, { append_to_response: 'credits' }),
    genres: async () => (await get<{ genres: { id: number; name: string }[] }>('/3/genre/movie/list')).genres,
    popular: (page) => get('/3/movie/popular', { page }),
    changes: (page, startDate, endDate) => get('/3/movie/changes', { page, start_date: startDate, end_date: endDate }),
  };
}
