import type { ItemMeta } from '../domain/content-based';
import { csrFromTriplets, type Csr } from '../domain/feedback-matrix';
import { type Event, popularityScores } from '../domain/popularity';
import { type Sequences, sequencesFrom, type TimedInteraction } from '../domain/sequence-neighbours';
import { sql } from 'drizzle-orm';
import { forAllUsers } from '@marquee/platform-db';
import type { Database } from '@marquee/platform-db';

/** The catalog as the models index it: model index i is movieIds[i]. */
export interface Catalogue {
  movieIds: Int32Array;
  index: Map<number, number>;
  meta: (ItemMeta | null)[];
  titles: string[];
  adult: Uint8Array;
}

export interface TrainingData {
  catalogue: Catalogue;
  x: Csr;
  users: number;
  /** Row of each user in x. */
  userRows: Map<string, number>;
  /** Each user's movies in the order they interacted with them (the sequence neighbours learn from these). */
  sequences: Sequences;
  events: Event[];
  trending: Map<number, number>;
}

export type MovieRow = {
  movie_id: number;
  title: string;
  genres: number[];
  director: string | null;
  main_cast: string[];
  overview: string | null;
  original_language: string | null;
  release_year: number | null;
  adult: boolean;
};

export function emptyCatalogue(): Catalogue {
  return { movieIds: new Int32Array(), index: new Map(), meta: [], titles: [], adult: new Uint8Array() };
}

/** A new catalogue with these movies after the existing ones (existing model indices keep their meaning). */
export function appendMovies(base: Catalogue, rows: readonly MovieRow[]): Catalogue {
  const index = new Map(base.index);
  const meta = [...base.meta];
  const titles = [...base.titles];
  const adult = Array.from(base.adult);
  for (const m of rows) {
    if (index.has(m.movie_id)) continue;
    index.set(m.movie_id, meta.length);
    meta.push({
      genres: m.genres,
      director: m.director,
      cast: m.main_cast,
      overview: m.overview,
      language: m.original_language,
      year: m.release_year,
    });
    titles.push(m.title);
    adult.push(m.adult ? 1 : 0);
  }
  return { movieIds: Int32Array.from(index.keys()), index, meta, titles, adult: Uint8Array.from(adult) };
}

/** Reads the projections (movies, feedback, trending) into the arrays the models train on. */
export async function loadTrainingData(database: Database): Promise<TrainingData> {
  const movies = await database.db.execute<MovieRow>(sql`select * from rec_movies order by movie_id`);
  const feedback = await forAllUsers(database.db, (tx) =>
    tx.execute<{ user_id: string; movie_id: number; weight: number; at: number }>(
      sql`select user_id, movie_id, sum(weight)::real as weight, extract(epoch from max(at))::float8 as at
          from rec_feedback group by user_id, movie_id order by user_id, at, movie_id`,
    ),
  );
  const trendingRows = await database.db.execute<{ movie_id: number; score: number }>(
    sql`select movie_id, score from rec_trending`,
  );
  const catalogue = appendMovies(emptyCatalogue(), movies.rows);
  const { index, meta } = catalogue;
  const userIndex = new Map<string, number>();
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const events: Event[] = [];
  const timed: TimedInteraction[] = [];
  for (const f of feedback.rows) {
    const item = index.get(f.movie_id);
    if (item === undefined) continue;
    if (!userIndex.has(f.user_id)) userIndex.set(f.user_id, userIndex.size);
    const u = userIndex.get(f.user_id)!;
    const weight = Math.max(-1, Math.min(1, f.weight));
    rows.push(u);
    cols.push(item);
    values.push(weight);
    events.push({ item, at: f.at, weight });
    timed.push({ user: u, item, at: f.at });
  }
  return {
    catalogue,
    x: csrFromTriplets(userIndex.size, meta.length, rows, cols, values),
    users: userIndex.size,
    userRows: userIndex,
    // Rows arrive by user and time, so this sort only confirms the order (TimSort: one linear pass).
    sequences: sequencesFrom(userIndex.size, timed),
    events,
    trending: new Map(trendingRows.rows.map((r) => [r.movie_id, r.score])),
  };
}

/**
 * Each item's trending score: its time-decayed popularity in the feedback, and where analytics' daily trending list
 * names it, half that and half the list's score (the two count as much as each other).
 */
export function trendingScores(data: TrainingData, now: number, halfLifeDays: number | null): Float32Array {
  const decayed = popularityScores(data.catalogue.meta.length, data.events, now, halfLifeDays);
  for (const [movieId, score] of data.trending) {
    const i = data.catalogue.index.get(movieId);
    if (i !== undefined) decayed[i] = Math.min(1, decayed[i]! * 0.5 + 0.5 * score);
  }
  return decayed;
}
