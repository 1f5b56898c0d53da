import { DEFAULT_RETRY, fetchJson, type RetryPolicy, SyncApiError } from './fetch-json';

interface OmdbAnswer {
  Response: 'True' | 'False';
  Error?: string;
  imdbRating?: string;
  imdbID?: string;
}

export interface OmdbClient {
  /** IMDb rating (0–10) of an IMDb id, null when OMDb has none ("N/A") or does not know the title. */
  rating(imdbId: string): Promise<number | null>;
}

/** OMDb (GET /?i=tt…&apikey=…). Refuses to exist without a key. */
export function createOmdbClient(opts: { baseUrl: string; apiKey: string; retry?: RetryPolicy }): OmdbClient {
  if (!opts.apiKey) throw new Error('OMDB_API_KEY is not set; OMDb sync is disabled');
  return {
    async rating(imdbId) {
      const url = new URL('/', opts.baseUrl);
      url.searchParams.set('i', imdbId);
      const describe = `OMDb GET /?i=${imdbId}`;
      url.searchParams.set('apikey', opts.apiKey);
      const answer = await fetchJson<OmdbAnswer>(url, { describe }, opts.retry ?? DEFAULT_RETRY);
      if (answer.Response === 'False') {
        if (/not found|incorrect imdb id/i.test(answer.Error ?? '')) return null;
        // OMDb reports a bad key or an exhausted quota as 200 {"Response":"False"}.
        throw new SyncApiError(`${describe}: ${answer.Error ?? 'refused'}`, 200);
      }
      const rating = Number(answer.imdbRating);
      return answer.imdbRating && answer.imdbRating !== 'N/A' && Number.isFinite(rating) ? rating : null;
    },
  };
}
