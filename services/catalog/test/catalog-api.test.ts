import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { dropDatabase } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MovieView } from '../src/routes/views';
import { runImport } from '../src/jobs/run-import';
import { type CatalogUnderTest, importSettings, sharedDatasets, startCatalog } from './helper';

// One import of the real shared data set (9,742 movies) for the whole file.
let issuer: TestIssuer;
let svc: CatalogUnderTest;
let firstImport: Awaited<ReturnType<typeof runImport>>;

beforeAll(async () => {
  issuer = await startTestIssuer();
  svc = await startCatalog({ jwksUrl: issuer.jwksUrl, extraEnv: { CACHE_LOCAL_TTL_MS: '0' } });
  firstImport = await runImport(svc.deps.database, importSettings(svc.config, sharedDatasets), svc.deps.logger);
});

afterAll(async () => {
  await svc?.close();
  await issuer?.close();
  if (svc) await dropDatabase(svc.env.DATABASE_URL as string);
});

const get = async (url: string) => {
  const res = await svc.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
};

async function tableDigest(): Promise<string> {
  const { rows } = await svc.deps.database.db.execute(sql`
    select md5(coalesce((select string_agg(m::text, '|' order by m.id) from movies m), '')) ||
           md5(coalesce((select string_agg(mg::text, '|' order by mg.movie_id, mg.genre_id) from movie_genres mg), '')) ||
           md5(coalesce((select string_agg(g::text, '|' order by g.id) from genres g), '')) as digest`);
  return (rows[0] as { digest: string }).digest;
}

describe('import', () => {
  it('When the real data set is imported, then every MovieLens movie is there with its genres, and one event each went to the outbox', async () => {
    expect(firstImport).toMatchObject({
      movies: 9742,
      inserted: 9742,
      updated: 0,
      unchanged: 0,
      genresInserted: 20,
      duplicateTmdbIds: 1,
      eventsRecorded: 9742,
    });
    expect(firstImport.ms).toBeLessThan(60_000);
    const { rows } = await svc.deps.database.db.execute(sql`select
      (select count(*)::int from movies) as movies, (select count(*)::int from outbox_written where type = 'movie.upserted') as events,
      (select count(*)::int from movies where tmdb_id is not null) as with_tmdb`);
    expect(rows[0]).toEqual({ movies: 9742, events: 9742, with_tmdb: 9733 });
    const toyStory = (await get('/v1/movies/1')).body as MovieView;
    expect(toyStory).toMatchObject({
      id: 1,
      tmdbId: 862,
      omdbId: 'tt0114709',
      title: 'Toy Story',
      releaseDate: '1995-10-30',
      director: 'John Lasseter',
    });
    expect(toyStory.genres.map((g) => g.slug)).toEqual(['animation', 'comedy', 'family']);
  });

  it('When a MovieLens movie has no TMDb metadata, then it keeps its title, year and genres mapped onto TMDb genres', async () => {
    const saturn = (await get('/v1/movies/2851')).body as MovieView;
    expect(saturn).toMatchObject({ title: 'Saturn 3', releaseYear: 1980, releaseDate: null, overview: null });
    expect(saturn.genres.map((g) => g.name)).toEqual(['Adventure', 'Science Fiction', 'Thriller']);
    const klezmer = (await get('/v1/movies/791')).body as MovieView;
    expect(klezmer.title).toBe('The Last Klezmer: Leopold Kozlowski, His Life and Music');
  });

  it('When the import runs again on the same data, then no row changes and no event is recorded', async () => {
    const before = await tableDigest();
    const again = await runImport(svc.deps.database, importSettings(svc.config, sharedDatasets), svc.deps.logger);
    expect(again).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 9742,
      genresInserted: 0,
      genresUpdated: 0,
      eventsRecorded: 0,
    });
    expect(await tableDigest()).toBe(before);
  });
});

describe('listing', () => {
  it('When every page of a filtered list is walked with its cursor, then each matching movie comes exactly once, in order, even if a movie is added mid-walk', async () => {
    const seen: MovieView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/movies?genres=animation&sort=rating&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (++pages === 1) {
        await svc.deps.database.db.execute(
          sql`insert into movies (title, tmdb_rating) values ('Inserted mid-walk', 9.9)`,
        );
      }
    } while (cursor);
    const { rows } = await svc.deps.database.db.execute(sql`
      select m.id from movies m where not m.adult and exists (select 1 from movie_genres mg join genres g on g.id = mg.genre_id where mg.movie_id = m.id and g.slug = 'animation')
      order by coalesce(m.tmdb_rating, -1) desc, m.id desc`);
    expect(seen.map((m) => m.id)).toEqual((rows as { id: number }[]).map((r) => r.id));
    expect(pages).toBeGreaterThan(4);
  });

  it('When filters are combined, then every item satisfies all of them', async () => {
    const drama = (await get('/v1/genres')).body.items.find((g: { slug: string }) => g.slug === 'drama');
    const res = await get(
      `/v1/movies?genres=${drama.id},comedy&genre_match=all&year_from=1990&year_to=1999&min_rating=7&original_language=en&sort=release_date&order=asc&limit=50`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(10);
    let previous = '';
    for (const m of res.body.items as MovieView[]) {
      expect(m.genres.map((g) => g.slug)).toEqual(expect.arrayContaining(['drama', 'comedy']));
      expect(m.releaseYear).toBeGreaterThanOrEqual(1990);
      expect(m.releaseYear).toBeLessThanOrEqual(1999);
      expect(m.tmdbRating).toBeGreaterThanOrEqual(7);
      expect(m.originalLanguage).toBe('en');
      expect(m.adult).toBe(false);
      expect((m.releaseDate ?? '') >= previous).toBe(true);
      previous = m.releaseDate ?? '';
    }
    const any = await get('/v1/movies?genres=documentary,western&limit=100');
    for (const m of any.body.items as MovieView[])
      expect(m.genres.some((g) => g.slug === 'documentary' || g.slug === 'western')).toBe(true);
  });

  it('When a movie is adult, then lists leave it out unless include_adult=true', async () => {
    await svc.deps.database.db.execute(sql`update movies set adult = true, popularity_score = 100000 where id = 3`);
    await svc.ctx.cache.invalidate([], ['list:*']);
    expect((await get('/v1/movies?limit=5')).body.items.map((m: MovieView) => m.id)).not.toContain(3);
    expect((await get('/v1/movies?limit=5&include_adult=true')).body.items[0].id).toBe(3);
  });

  it.each([
    ['limit=101', 'querystring.limit'],
    ['limit=0', 'querystring.limit'],
    ['sort=votes', 'querystring.sort'],
    ['order=up', 'querystring.order'],
    ['genres=no-such-genre', 'querystring.genres'],
    ['genres=9999', 'querystring.genres'],
    ['genres=%27%3B drop', 'querystring.genres'],
    ['year_from=1700', 'querystring.year_from'],
    ['year_from=2000&year_to=1990', 'querystring.year_from'],
    ['min_rating=11', 'querystring.min_rating'],
    ['min_rating=abc', 'querystring.min_rating'],
    ['original_language=english', 'querystring.original_language'],
    ['include_adult=maybe', 'querystring.include_adult'],
    ['cursor=not-a-cursor', 'querystring.cursor'],
    ['genre=drama', 'querystring.genre'],
  ])('When the list is asked with %s, then it answers 400 naming %s', async (query, field) => {
    const res = await get(`/v1/movies?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('When a cursor from one sort is used with another, then it is a 400 naming the cursor', async () => {
    const first = await get('/v1/movies?sort=title&limit=2');
    const res = await get(`/v1/movies?sort=popularity&cursor=${first.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('querystring.cursor');
  });

  it('When a movie or route does not exist, then it is a 404; a bad id is a 400', async () => {
    expect((await get('/v1/movies/99999999')).body.error.code).toBe('MOVIE.NOT_FOUND');
    expect((await get('/v1/movies/abc')).status).toBe(400);
    const genres = await get('/v1/genres');
    expect(genres.body.items).toHaveLength(20);
  });
});
