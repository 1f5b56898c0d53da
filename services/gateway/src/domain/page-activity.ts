/** What a proxied request tells analytics, before who/where is added. */
export interface PageActivity {
  actionType: 'movie_view' | 'movie_search';
  movieId: number | null;
  metadata: Record<string, unknown>;
}

const MOVIE_PAGE = /^\/api\/v1\/movies\/(\d{1,10})$/;
const SOURCES = new Set(['web', 'mobile', 'email', 'push']);
const MAX_QUERY_CHARS = 200;

/**
 * The activity a successful GET stands for: a search with a non-empty `q`, or a movie page view.
 * Anything else (lists, failed requests, other methods) is not activity.
 */
export function pageActivityOf(method: string, url: string, status: number): PageActivity | undefined {
  if (method !== 'GET' || status < 200 || status >= 300) return undefined;
  // Every proxied answer passes here: most are neither a search nor a movie page, and are let go before any split or regex.
  if (!url.startsWith('/api/v1/search') && !url.startsWith('/api/v1/movies/')) return undefined;
  const [path = '', query = ''] = url.split('?', 2);
  if (path === '/api/v1/search') {
    const q = new URLSearchParams(query).get('q')?.trim();
    if (!q) return undefined;
    return { actionType: 'movie_search', movieId: null, metadata: { query: q.slice(0, MAX_QUERY_CHARS) } };
  }
  const movie = MOVIE_PAGE.exec(path);
  if (movie) {
    const id = Number(movie[1]);
    if (id >= 1 && id <= 2_147_483_647) return { actionType: 'movie_view', movieId: id, metadata: {} };
  }
  return undefined;
}

/** The client's own label of where it runs (`x-client-source`), when it is one the platform knows. */
export function clientSourceOf(header: string | string[] | undefined): 'web' | 'mobile' | 'email' | 'push' | null {
  const v = Array.isArray(header) ? header[0] : header;
  return v && SOURCES.has(v) ? (v as 'web' | 'mobile' | 'email' | 'push') : null;
}
