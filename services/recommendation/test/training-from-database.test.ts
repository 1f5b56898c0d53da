import { startTestIssuer, type TestIssuer } from '@marquee/platform-auth';
import { forAllUsers } from '@marquee/platform-db';
import { eventually } from '@marquee/platform-testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentBased } from '../src/domain/content-based';
import { defaultParams } from '../src/domain/train-models';
import { loadTrainingData, trendingScores } from '../src/model/load-projections';
import { trainFromDatabaseInWorker, trainInWorker } from '../src/model/run-training';
import { type Harness, startHarness } from './helper';

let issuer: TestIssuer;
let h: Harness;
const params = { ...defaultParams, denseMinCount: 1 };

beforeAll(async () => {
  issuer = await startTestIssuer();
  h = await startHarness(issuer.jwksUrl);
  // Projections as the consumers leave them: 60 movies, 50 users with 10–25 rated or liked movies each at varied
  // times (some negative), and analytics' trending list for a few movies.
  await forAllUsers(h.rec.deps.database.db, async (tx) => {
    await tx.execute(sql`
      insert into rec_movies (movie_id, title, genres, director, main_cast, overview, original_language, release_year, adult)
      select m, 'Movie ' || m, array[1 + m % 4, 1 + (m * 7) % 4], 'director ' || (m % 9), array['actor ' || (m % 13)],
             'story of ' || (array['space', 'love', 'war', 'heist', 'ghosts'])[1 + m % 5] || ' and ' ||
             (array['family', 'crew', 'city', 'island'])[1 + m % 4], 'en', 1960 + m % 50, m % 29 = 0
        from generate_series(1, 60) m`);
    await tx.execute(sql`
      insert into rec_feedback (user_id, movie_id, kind, weight, at)
      select ('00000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, 1 + (u * 7 + k * 11) % 60,
             (array['like', 'rating', 'view'])[1 + (u + k) % 3], case when (u + k) % 9 = 0 then -0.6 else 0.3 + (k % 4) * 0.2 end,
             timestamptz '2026-06-01' + (u * 37 + k * 3600) * interval '1 second'
        from generate_series(1, 50) u, generate_series(1, 10 + u % 16) k
      on conflict do nothing`);
    await tx.execute(
      sql`insert into rec_trending (movie_id, score, date) values (3, 1, '2026-11-30'), (17, 0.4, '2026-11-30')`,
    );
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await issuer?.close();
});

describe('training from the projections in a worker thread', () => {
  it('when the worker reads the projections itself, then it trains on exactly what the service would have read', async () => {
    const now = Date.parse('2026-12-01T00:00:00Z') / 1000;
    const progress: number[] = [];
    const fromWorker = await trainFromDatabaseInWorker(
      h.env.DATABASE_URL as string,
      params,
      (p) => progress.push(p),
      now,
    ).promise;
    const data = await loadTrainingData(h.rec.deps.database);
    expect(data.x.indices.length).toBeGreaterThan(500);
    expect(progress.at(-1)).toBe(1);
    // The catalogue, the users' rows and the counts.
    expect(fromWorker.catalogue.movieIds).toEqual(data.catalogue.movieIds);
    expect(fromWorker.catalogue.index).toEqual(data.catalogue.index);
    expect(fromWorker.catalogue.meta).toEqual(data.catalogue.meta);
    expect(fromWorker.catalogue.titles).toEqual(data.catalogue.titles);
    expect(fromWorker.catalogue.adult).toEqual(data.catalogue.adult);
    expect(fromWorker.userRows).toEqual(data.userRows);
    expect(fromWorker.interactions).toBe(data.x.indices.length);
    // Trending: decayed popularity, blended with analytics' list where it names a movie.
    const trending = trendingScores(data, now, params.trendingHalfLifeDays);
    expect(fromWorker.trending).toEqual(trending);
    expect(trending[data.catalogue.index.get(3)!]).toBeGreaterThanOrEqual(0.5);
    // The models score alike: the collaborative parts trained here on the same data, the content model built here.
    const inPlace = await trainInWorker(data.x, data.sequences, params, () => {}).promise;
    const content = new ContentBased(data.catalogue.meta);
    const user = { items: Int32Array.from([0, 5, 9]), weights: Float32Array.from([1, 0.5, -0.6]), favoriteGenres: [2] };
    for (const [a, b] of [
      [fromWorker.collaborative, inPlace.collaborative],
      [fromWorker.sequence, inPlace.sequence],
      [fromWorker.content, content],
    ] as const) {
      const sa = new Float32Array(60);
      const sb = new Float32Array(60);
      a.score(user, sa);
      b.score(user, sb);
      expect(sa).toEqual(sb);
      expect(sa.some((s) => s !== 0)).toBe(true);
    }
  }, 120_000);

  it('when the database cannot be reached, then the training fails with the reason instead of hanging', async () => {
    const url = new URL(h.env.DATABASE_URL as string);
    url.pathname = '/marquee_no_such_database';
    await expect(trainFromDatabaseInWorker(url.href, params, () => {}).promise).rejects.toThrow(/does not exist/);
  }, 60_000);

  it('when the service retrains on command, then the new version counts what the projections hold', async () => {
    const version = await h.rec.ctx.store.train('command');
    expect(version).not.toBeNull();
    const { rows } = await h.rec.deps.database.db.execute<{ users: number; items: number; interactions: number }>(
      sql`select users, items, interactions from model_versions where id = ${version}`,
    );
    const data = await loadTrainingData(h.rec.deps.database);
    expect(rows[0]).toEqual({ users: data.users, items: 60, interactions: data.x.indices.length });
    expect(h.rec.ctx.store.current.catalogue.movieIds).toEqual(data.catalogue.movieIds);
  }, 120_000);

  it('when a movie is deleted or added while a retrain runs, then the new model leaves it out or takes it in', async () => {
    const store = h.rec.ctx.store;
    const training = store.train('command');
    await eventually(async () => store.status().training !== null);
    // movie.deleted as the consumer applies it (the worker may already have read the movie), and a movie the
    // projection gains meanwhile (the worker may not see it).
    store.dropMovie(7);
    await forAllUsers(h.rec.deps.database.db, (tx) =>
      tx.execute(sql`insert into rec_movies (movie_id, title, genres, director, main_cast, overview, original_language,
        release_year, adult) values (61, 'Movie 61', '{1}', 'director 1', '{}', 'story of space', 'en', 2001, false)`),
    );
    store.scheduleAppend(61);
    expect(await training).not.toBeNull();
    const dropped = store.current.catalogue.index.get(7);
    expect(dropped === undefined || store.current.deleted.has(dropped)).toBe(true);
    await eventually(async () => store.current.catalogue.index.has(61));
  }, 120_000);
});
