import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startTestInteraction, type TestInteraction } from './fixtures/interaction-env';

let svc: TestInteraction;
const MOVIES = [21, 22, 23, 24, 25];

beforeAll(async () => {
  svc = await startTestInteraction('interaction-library');
  await svc.knowMovies(MOVIES);
});
afterAll(async () => {
  await svc?.stop();
});

async function put(userId: string, movieId: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await svc.app.inject({
    method: 'PUT',
    url: `/v1/me/interactions/${movieId}/${type}`,
    headers: await svc.as(userId),
    payload,
  });
  expect(res.statusCode).toBeLessThan(300);
}
async function get(userId: string, url: string, role: 'user' | 'admin' = 'user') {
  return svc.app.inject({ url, headers: await svc.as(userId, role) });
}
const movieIds = (body: { items: { movieId: number }[] }) => body.items.map((i) => i.movieId);

describe('library', () => {
  it('When a user pages through favorites, then every favorite comes once, newest first', async () => {
    const user = newUserId();
    for (const m of MOVIES) await put(user, m, 'favorite');
    await put(user, 21, 'watchlist');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(user, `/v1/me/library/favorites?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...movieIds(res.json()));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([...MOVIES].reverse());
  });

  it('When shelves and history filters are asked for, then each shows only its types', async () => {
    const user = newUserId();
    await put(user, 21, 'rating', { rating: 4 });
    await put(user, 22, 'watchlist');
    await put(user, 23, 'view');
    await put(user, 24, 'like');
    expect(movieIds((await get(user, '/v1/me/library/ratings')).json())).toEqual([21]);
    expect((await get(user, '/v1/me/library/ratings')).json().items[0]).toMatchObject({ rating: 4, type: 'rating' });
    expect(movieIds((await get(user, '/v1/me/library/watchlist')).json())).toEqual([22]);
    expect(movieIds((await get(user, '/v1/me/library/history')).json())).toEqual([24, 23, 22, 21]);
    expect(movieIds((await get(user, '/v1/me/library/history?types=view,like')).json())).toEqual([24, 23]);
  });

  it('When the shelf, a filter, a cursor or a query key is wrong, then 400 names it', async () => {
    const user = newUserId();
    const cases: [string, string][] = [
      ['/v1/me/library/likes', 'params.shelf'],
      ['/v1/me/library/history?types=view,loved', 'querystring.types'],
      ['/v1/me/library/favorites?types=view', 'querystring.types'],
      ['/v1/me/library/history?cursor=forged', 'querystring.cursor'],
      ['/v1/me/library/history?limit=500', 'querystring.limit'],
      ['/v1/me/library/history?sort=asc', 'querystring.sort'],
    ];
    for (const [url, field] of cases) {
      const res = await get(user, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it("When a user asks for another user's library, then 403; the owner and an admin may read it", async () => {
    const owner = newUserId();
    const other = newUserId();
    await put(owner, 25, 'favorite');
    const foreign = await get(other, `/v1/users/${owner}/library/favorites`);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.code).toBe('AUTH.FORBIDDEN');
    expect(movieIds((await get(owner, `/v1/users/${owner}/library/favorites`)).json())).toEqual([25]);
    expect(movieIds((await get(newUserId(), `/v1/users/${owner}/library/favorites`, 'admin')).json())).toEqual([25]);
    expect((await get(other, '/v1/me/library/favorites')).json().items).toEqual([]);
  });

  it('When a user reads one movie, then they see only what they did to it', async () => {
    const user = newUserId();
    await put(user, 23, 'view');
    await put(user, 23, 'rating', { rating: 2 });
    await put(user, 23, 'watchlist');
    await put(newUserId(), 23, 'like');
    const state = (await get(user, '/v1/me/interactions/23')).json();
    expect(state).toMatchObject({
      movieId: 23,
      liked: false,
      disliked: false,
      favorite: false,
      watchlist: true,
      rating: 2,
    });
    expect(state.viewedAt).not.toBeNull();
    expect(state.interactions.map((i: { type: string }) => i.type)).toEqual(['rating', 'view', 'watchlist']);
  });
});
