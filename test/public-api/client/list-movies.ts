/**
 * A client of the public API built only from the generated types (./public-api, written by
 * openapi-typescript from the gateway's /openapi.json at test time): paths, parameters and the
 * response shape all come from the document.
 */
import createClient from 'openapi-fetch';
import type { paths } from './public-api';

export async function firstMovieTitles(baseUrl: string, limit: number): Promise<string[]> {
  const client = createClient<paths>({ baseUrl });
  const { data, error } = await client.GET('/api/v1/movies', {
    params: { query: { limit, sort: 'title', order: 'asc' } },
  });
  if (error) throw new Error(`GET /api/v1/movies failed: ${error.error.code} ${error.error.message}`);
  return data.items.map((movie) => movie.title);
}
