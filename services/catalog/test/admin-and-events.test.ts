import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  type Envelope,
  InteractionRecorded,
  InteractionRemoved,
  type Static,
  Topics,
} from '@marquee/contracts';
import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { connectProducer, physicalTopic } from '@marquee/platform-events';
import { dropDatabase, eventually } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MovieView } from '../src/routes/views';
import { replayMovies } from '../src/jobs/replay-movies';
import { runImport } from '../src/jobs/run-import';
import { type CatalogUnderTest, importSettings, startCatalog, writeSampleDataDir } from './helper';

let issuer: TestIssuer;
let a: CatalogUnderTest;
let b: CatalogUnderTest;
let adminToken: string;
let userToken: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  // A long in-process TTL: only the NATS invalidation can make instance b drop what it cached.
  a = await startCatalog({ jwksUrl: issuer.jwksUrl, extraEnv: { CACHE_LOCAL_TTL_MS: '60000' } });
  b = await startCatalog({ env: a.env, jwksUrl: issuer.jwksUrl, extraEnv: { CACHE_LOCAL_TTL_MS: '60000' } });
  await runImport(a.deps.database, importSettings(a.config, await writeSampleDataDir(40)), a.deps.logger);
  adminToken = await issuer.sign({ sub: randomUUID(), role: 'admin' });
  userToken = await issuer.sign({ sub: randomUUID(), role: 'user' });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await issuer?.close();
  if (a) await dropDatabase(a.env.DATABASE_URL as string);
});

const call = async (
  svc: CatalogUnderTest,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  token?: string,
) => {
  const res = await svc.app.inject({
    method,
    url,
    ...(body !== undefined ? { payload: body as object } : {}),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
};

async function outboxOf(type: string, key: string): Promise<Envelope[]> {
  const { rows } = await a.deps.database.db.execute(
    sql`select payload from outbox_written where type = ${type} and key = ${key} order by seq`,
  );
  return (rows as { payload: Envelope }[]).map((r) => r.payload);
}

describe('admin edits', () => {
  it('When an admin route is called without a token, with a user token or a bad token, then it is 401, 403 and 401', async () => {
    expect((await call(a, 'POST', '/v1/movies', { title: 'X' })).body.error.code).toBe('AUTH.REQUIRED');
    const forbidden = await call(a, 'POST', '/v1/movies', { title: 'X' }, userToken);
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    expect((await call(a, 'PATCH', '/v1/genres/1', { name: 'X' }, userToken)).status).toBe(403);
    expect((await call(a, 'DELETE', '/v1/movies/1', undefined, 'not.a.jwt')).status).toBe(401);
    expect((await call(a, 'GET', '/v1/movies/1')).body.title).toBe('Toy Story');
  });

  it('When an admin creates, changes and deletes a movie, then each change is in the outbox with a full snapshot', async () => {
    const genres = (await call(a, 'GET', '/v1/genres')).body.items as { id: number; slug: string }[];
    const drama = genres.find((g) => g.slug === 'drama')?.id as number;
    const created = await call(
      a,
      'POST',
      '/v1/movies',
      { title: 'A Marquee Original', releaseDate: '2026-05-01', mainCast: ["O'Neil", 'Zoë'], genreIds: [drama] },
      adminToken,
    );
    expect(created.status).toBe(201);
    const movie = created.body as MovieView;
    expect(movie.id).toBeGreaterThan(1_000_000);
    expect(movie).toMatchObject({ releaseYear: 2026, mainCast: ["O'Neil", 'Zoë'], viewCount: 0 });
    const [upserted] = await outboxOf('movie.upserted', String(movie.id));
    expect(upserted?.data).toMatchObject({
      movieId: movie.id,
      title: 'A Marquee Original',
      genres: [{ id: drama, slug: 'drama' }],
    });

    const changed = await call(a, 'PATCH', `/v1/movies/${movie.id}`, { title: 'Renamed', tmdbRating: 8.1 }, adminToken);
    expect(changed.body).toMatchObject({ title: 'Renamed', tmdbRating: 8.1, releaseDate: '2026-05-01' });
    expect(
      (await outboxOf('movie.upserted', String(movie.id))).map((e) => (e.data as { title: string }).title),
    ).toEqual(['A Marquee Original', 'Renamed']);

    expect((await call(a, 'DELETE', `/v1/movies/${movie.id}`, undefined, adminToken)).status).toBe(204);
    expect((await outboxOf('movie.deleted', String(movie.id)))[0]?.data).toMatchObject({ movieId: movie.id });
    expect((await call(a, 'GET', `/v1/movies/${movie.id}`)).status).toBe(404);
    expect((await call(a, 'DELETE', `/v1/movies/${movie.id}`, undefined, adminToken)).status).toBe(404);
  });

  it.each([
    [{}, 'body.title'],
    [{ title: '' }, 'body.title'],
    [{ title: 'x', releaseDate: '2026-13-40' }, 'body.releaseDate'],
    [{ title: 'x', tmdbRating: 11 }, 'body.tmdbRating'],
    [{ title: 'x', originalLanguage: 'eng' }, 'body.originalLanguage'],
    [{ title: 'x', genreIds: [99999] }, 'body.genreIds'],
  ])('When a movie body is %j, then it is a 400 naming %s and nothing is written', async (body, field) => {
    const before = await a.deps.database.db.execute(sql`select count(*)::int as n from movies`);
    const res = await call(a, 'POST', '/v1/movies', body, adminToken);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await a.deps.database.db.execute(sql`select count(*)::int as n from movies`)).rows).toEqual(before.rows);
  });

  it('When a movie title holds markup, then search highlights escape it and keep only the <mark> tags', async () => {
    const created = await call(
      a,
      'POST',
      '/v1/movies',
      {
        title: '<img src=x onerror=alert(1)> Quokkatron',
        overview: 'The Quokkatron <b onmouseover=steal()>returns</b>',
      },
      adminToken,
    );
    expect(created.status).toBe(201);
    const found = await call(a, 'GET', '/v1/search?q=quokkatron');
    const hit = found.body.items.find((h: { movie: MovieView }) => h.movie.id === created.body.id);
    expect(hit.highlight.title).toBe('&lt;img src=x onerror=alert(1)&gt; <mark>Quokkatron</mark>');
    expect(hit.highlight.overview).toContain('&lt;b onmouseover=steal()&gt;');
    expect(hit.highlight.overview).not.toContain('<b');
  });

  it('When a tmdbId or genre name is taken, then it is a 409 naming the field', async () => {
    const res = await call(a, 'POST', '/v1/movies', { title: 'Copy', tmdbId: 862 }, adminToken);
    expect([res.status, res.body.error.code, res.body.error.details[0].field]).toEqual([
      409,
      'MOVIE.TMDB_ID_TAKEN',
      'body.tmdbId',
    ]);
    const genre = await call(a, 'POST', '/v1/genres', { name: 'Drama' }, adminToken);
    expect([genre.status, genre.body.error.details[0].field]).toEqual([409, 'body.name']);
  });

  it('When a genre is renamed, then every movie of it is republished with the new name', async () => {
    const genres = (await call(a, 'GET', '/v1/genres')).body.items as { id: number; slug: string }[];
    const animation = genres.find((g) => g.slug === 'animation')?.id as number;
    const { rows } = await a.deps.database.db.execute(
      sql`select movie_id from movie_genres where genre_id = ${animation} order by movie_id`,
    );
    const ids = (rows as { movie_id: number }[]).map((r) => r.movie_id);
    expect(ids.length).toBeGreaterThan(1);
    const res = await call(a, 'PATCH', `/v1/genres/${animation}`, { name: 'Animated', slug: 'animated' }, adminToken);
    expect(res.body).toMatchObject({ name: 'Animated', slug: 'animated' });
    for (const id of ids) {
      const events = await outboxOf('movie.upserted', String(id));
      const last = events.at(-1) as Envelope<{ genres: { name: string }[] }>;
      expect(last.data.genres.map((g) => g.name)).toContain('Animated');
    }
    expect(((await call(b, 'GET', '/v1/movies/1')).body as MovieView).genres.map((g) => g.slug)).toContain('animated');
  });
});

describe('cache across replicas', () => {
  it('When a movie is changed through one instance, then the other stops serving its cached copy', async () => {
    const first = await call(b, 'GET', '/v1/movies/2');
    expect(first.body.title).toBe('Jumanji');
    // An invalidation left by the tests before (250 ms coalescing, then NATS) can drop the Redis copy after b has
    // served this GET from its own local copy: read until the movie sits in Redis, as the stale read below needs.
    await eventually(
      async () => {
        await call(b, 'GET', '/v1/movies/2');
        return (await a.deps.redis.exists(`${a.config.CACHE_KEY_PREFIX}movie:2`)) === 1;
      },
      { what: 'movie 2 cached in Redis', timeoutMs: 10_000 },
    );
    await a.deps.database.db.execute(sql`update movies set tagline = 'changed behind the cache' where id = 2`);
    expect((await call(b, 'GET', '/v1/movies/2')).body.tagline).not.toBe('changed behind the cache');
    await call(a, 'PATCH', '/v1/movies/2', { title: 'Jumanji (edited)' }, adminToken);
    await eventually(async () => (await call(b, 'GET', '/v1/movies/2')).body.title === 'Jumanji (edited)', {
      what: 'instance b serving the edit',
      timeoutMs: 60_000,
    });
    const genreList = await call(b, 'GET', '/v1/genres');
    await call(a, 'POST', '/v1/genres', { name: 'Sword and Sandal', tmdbId: null }, adminToken);
    await eventually(
      async () => (await call(b, 'GET', '/v1/genres')).body.items.length === genreList.body.items.length + 1,
      { what: 'new genre on b', timeoutMs: 60_000 },
    );
    expect((await call(b, 'GET', '/v1/genres')).body.items.map((g: { slug: string }) => g.slug)).toContain(
      'sword-and-sandal',
    );
  });
});

describe('interaction counters', () => {
  let producer: Producer;
  // Both replicas run the counters in one consumer group: together they apply each event once.
  const stats = () => {
    const [x, y] = [a.consumers[0]?.stats, b.consumers[0]?.stats];
    return { applied: (x?.applied ?? 0) + (y?.applied ?? 0), duplicates: (x?.duplicates ?? 0) + (y?.duplicates ?? 0) };
  };
  const user = randomUUID();

  let upsertsBefore: number;
  const upsertsOf3And4 = async () =>
    (
      (
        await a.deps.database.db.execute(
          sql`select count(*)::int as n from outbox_written where key in ('3', '4') and type = 'movie.upserted'`,
        )
      ).rows[0] as { n: number }
    ).n;

  beforeAll(async () => {
    upsertsBefore = await upsertsOf3And4();
    producer = await connectProducer(a.deps.kafka);
    // Joining the group can take long on a loaded machine: wait until one event has gone through.
    await send(recorded(999_999, 'view'));
    await eventually(() => stats().applied >= 1, {
      what: 'consumer joined and applied a first event',
      timeoutMs: 150_000,
    });
  }, 180_000);
  afterAll(async () => {
    await producer?.disconnect();
  });

  const facts = (movieId: number, interactionType: string, rating: number | null = null) =>
    ({
      interactionId: randomUUID(),
      userId: user,
      movieId,
      interactionType,
      rating,
      feedbackType: null,
      hasFeedbackComment: false,
      source: 'web',
      at: new Date().toISOString(),
    }) as Static<typeof InteractionRemoved.schema>;
  const send = (...events: Envelope[]) =>
    producer.send({
      topic: physicalTopic(a.deps.settings, Topics.interaction),
      messages: events.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    });
  const recorded = (
    movieId: number,
    type: string,
    rating: number | null = null,
    previousRating: number | null = null,
  ) =>
    buildEvent(
      InteractionRecorded,
      user,
      { ...facts(movieId, type, rating), previousRating },
      { correlationId: randomUUID() },
    );
  const removed = (movieId: number, type: string, rating: number | null = null) =>
    buildEvent(InteractionRemoved, user, facts(movieId, type, rating), { correlationId: randomUUID() });
  const counters = async (id: number) =>
    (
      await a.deps.database.db.execute(
        sql`select view_count as views, like_count as likes, rating_count as ratings, our_rating as "ourRating" from movies where id = ${id}`,
      )
    ).rows[0];

  it('When the same view and like are delivered twice, then each counts once; removing them takes them back', {
    timeout: 150_000,
  }, async () => {
    const view = recorded(3, 'view');
    const like = recorded(3, 'like');
    await send(view, like, view, like, recorded(3, 'watchlist'));
    await send(view);
    await eventually(async () => stats().duplicates >= 3 && stats().applied >= 4, {
      what: 'events applied and duplicates skipped',
      timeoutMs: 60_000,
    });
    expect(await counters(3)).toMatchObject({ views: 1, likes: 1 });
    const seenBefore = (await call(a, 'GET', '/v1/movies/3')).body.viewCount;
    await send(recorded(3, 'view'));
    await eventually(async () => (await counters(3))?.views === 2, { what: 'second view', timeoutMs: 60_000 });
    await eventually(async () => (await call(a, 'GET', '/v1/movies/3')).body.viewCount === 2, {
      what: 'detail cache invalidated',
      timeoutMs: 60_000,
    });
    expect(seenBefore).toBe(1);
    await send(removed(3, 'view'), removed(3, 'like'));
    await eventually(
      async () => {
        const c = await counters(3);
        return c?.views === 1 && c.likes === 0;
      },
      { what: 'removals applied', timeoutMs: 60_000 },
    );
  });

  it('When ratings are recorded, changed, redelivered and removed, then our_rating is the mean of the current ratings, and no movie.upserted is published for counters', {
    timeout: 150_000,
  }, async () => {
    const four = recorded(4, 'rating', 4);
    await send(four, recorded(4, 'rating', 2), four);
    await eventually(async () => (await counters(4))?.ratings === 2, { what: 'two ratings', timeoutMs: 60_000 });
    expect(await counters(4)).toMatchObject({ ratings: 2, ourRating: 3 });
    await send(recorded(4, 'rating', 5, 2));
    await eventually(async () => (await counters(4))?.ourRating === 4.5, {
      what: 'changed rating 2 → 5',
      timeoutMs: 60_000,
    });
    await send(removed(4, 'rating', 4));
    await eventually(async () => (await counters(4))?.ratings === 1, { what: 'rating removed', timeoutMs: 60_000 });
    expect(await counters(4)).toMatchObject({ ratings: 1, ourRating: 5 });
    await send(removed(4, 'rating', 5));
    await eventually(async () => (await counters(4))?.ratings === 0, {
      what: 'last rating removed',
      timeoutMs: 60_000,
    });
    expect((await counters(4))?.ourRating).toBeNull();
    expect(await upsertsOf3And4()).toBe(upsertsBefore);
  });

  it('When one delivery holds several events of a movie, a removal at zero among them, then the counters end where the events one by one end', {
    timeout: 150_000,
  }, async () => {
    // One by one: views 0 → 0 (a removal at zero) → 1 → 2 → 1 → 0 → 0 → 1; a plain sum would say 0.
    await send(
      removed(5, 'view'),
      recorded(5, 'view'),
      recorded(5, 'view'),
      removed(5, 'view'),
      removed(5, 'view'),
      removed(5, 'view'),
      recorded(5, 'view'),
      recorded(6, 'rating', 3),
      recorded(6, 'rating', 4, 3),
      recorded(6, 'rating', 2),
      removed(6, 'rating', 2),
      recorded(5, 'like'),
    );
    await eventually(async () => (await counters(5))?.likes === 1, { what: 'the delivery applied', timeoutMs: 60_000 });
    expect(await counters(5)).toMatchObject({ views: 1, likes: 1 });
    expect(await counters(6)).toMatchObject({ ratings: 1, ourRating: 4 });
  });
});

describe('replay', () => {
  it('When movies are replayed, then every movie gets one more movie.upserted in the outbox', async () => {
    const count = async () =>
      (
        (
          await a.deps.database.db.execute(
            sql`select count(*)::int as n from outbox_written where type = 'movie.upserted'`,
          )
        ).rows[0] as { n: number }
      ).n;
    const movies = (
      (await a.deps.database.db.execute(sql`select count(*)::int as n from movies`)).rows[0] as { n: number }
    ).n;
    const before = await count();
    expect(await replayMovies(a.deps.database, 7)).toBe(movies);
    expect(await count()).toBe(before + movies);
  });
});
