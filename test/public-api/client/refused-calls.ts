/**
 * Calls the generated types must refuse: type-checked beside list-movies.ts, never run. Each
 * directive fails the check if its line compiles, so loose (`any`) types cannot pass unnoticed.
 */
import createClient from 'openapi-fetch';
import type { paths } from './public-api';

export async function refusedCalls(baseUrl: string): Promise<void> {
  const client = createClient<paths>({ baseUrl });
  // @ts-expect-error no such path in the document
  await client.GET('/api/v1/no-such-route');
  // @ts-expect-error limit is an integer, not text
  await client.GET('/api/v1/movies', { params: { query: { limit: 'ten' } } });
  // @ts-expect-error sort takes only the documented keys
  await client.GET('/api/v1/movies', { params: { query: { sort: 'budget' } } });
  // @ts-expect-error a movie's path parameter id is required
  await client.GET('/api/v1/movies/{id}', { params: { path: {} } });
  const { data } = await client.GET('/api/v1/genres');
  // @ts-expect-error a genre has no budget field
  data?.[0]?.budget;
}
