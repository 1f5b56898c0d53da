import { type Tx, uniqueViolation, intArray, textArray } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { recordMovieDeleted, recordMoviesUpserted } from '../events/movie-events';
import type { MovieView } from '../routes/views';
import { findMovie } from './movie-queries';

/** Why a movie write was refused; the use cases say it in their callers' terms (HTTP fields, sync failures). */
export class MovieWriteRefused extends Error {
  readonly reason: 'not-found' | 'tmdb-id-taken' | 'unknown-genres';
  readonly genreIds: number[];
  constructor(reason: 'not-found' | 'tmdb-id-taken' | 'unknown-genres', message: string, genreIds: number[] = []) {
    super(message);
    this.reason = reason;
    this.genreIds = genreIds;
  }
}

/** Writable movie fields, camelCase as in the API; counters and our_rating are owned by the interaction consumer. */
export interface MovieInput {
  tmdbId?: number | null;
  omdbId?: string | null;
  title?: string;
  originalTitle?: string | null;
  overview?: string | null;
  tagline?: string | null;
  releaseDate?: string | null;
  runtime?: number | null;
  director?: string | null;
  mainCast?: string[];
  tmdbRating?: number | null;
  tmdbVoteCount?: number | null;
  omdbRating?: number | null;
  posterPath?: string | null;
  backdropPath?: string | null;
  popularityScore?: number | null;
  adult?: boolean;
  originalLanguage?: string | null;
  genreIds?: number[];
}

const COLUMN: Record<Exclude<keyof MovieInput, 'genreIds'> | 'releaseYear', string> = {
  tmdbId: 'tmdb_id',
  omdbId: 'omdb_id',
  title: 'title',
  originalTitle: 'original_title',
  overview: 'overview',
  tagline: 'tagline',
  releaseDate: 'release_date',
  releaseYear: 'release_year',
  runtime: 'runtime',
  director: 'director',
  mainCast: 'main_cast',
  tmdbRating: 'tmdb_rating',
  tmdbVoteCount: 'tmdb_vote_count',
  omdbRating: 'omdb_rating',
  posterPath: 'poster_path',
  backdropPath: 'backdrop_path',
  popularityScore: 'popularity_score',
  adult: 'adult',
  originalLanguage: 'original_language',
};

/** release_year follows release_date when an admin sets one. */
function withYear(input: MovieInput): MovieInput & { releaseYear?: number | null } {
  if (input.releaseDate === undefined) return input;
  return { ...input, releaseYear: input.releaseDate === null ? null : Number(input.releaseDate.slice(0, 4)) };
}

function valueSql(key: keyof typeof COLUMN, value: unknown) {
  if (key === 'mainCast') return textArray(value as string[]);
  if (key === 'releaseDate') return sql`${value}::date`;
  return sql`${value}`;
}

async function setGenres(tx: Tx, movieId: number, genreIds: number[]): Promise<void> {
  const unique = [...new Set(genreIds)];
  if (unique.length > 0) {
    const found = await tx.execute(sql`select id from genres where id = any(${intArray(unique)})`);
    const known = new Set((found.rows as { id: number }[]).map((r) => r.id));
    const missing = unique.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw new MovieWriteRefused('unknown-genres', `unknown genre id ${missing.join(', ')}`, missing);
  }
  await tx.execute(sql`delete from movie_genres where movie_id = ${movieId}`);
  if (unique.length > 0) {
    await tx.execute(sql`insert into movie_genres (movie_id, genre_id) select ${movieId}, unnest(${intArray(unique)})`);
  }
}

function rethrowConflict(err: unknown): never {
  if (uniqueViolation(err)?.includes('tmdb_id'))
    throw new MovieWriteRefused('tmdb-id-taken', 'Another movie has this tmdbId');
  throw err;
}

/** Inserts a movie and records movie.upserted in the same transaction. */
export async function insertMovie(tx: Tx, given: MovieInput & { title: string }): Promise<MovieView> {
  const input = withYear(given);
  const keys = (Object.keys(COLUMN) as (keyof typeof COLUMN)[]).filter((k) => input[k] !== undefined);
  let id: number;
  try {
    const res = await tx.execute(sql`insert into movies (${sql.raw(keys.map((k) => COLUMN[k]).join(', '))})
      values (${sql.join(
        keys.map((k) => valueSql(k, input[k])),
        sql`, `,
      )}) returning id`);
    id = (res.rows[0] as { id: number }).id;
  } catch (err) {
    rethrowConflict(err);
  }
  if (input.genreIds) await setGenres(tx, id, input.genreIds);
  await recordMoviesUpserted(tx, [id]);
  return (await findMovie(tx, id)) as MovieView;
}

/** Applies the given fields (absent ones stay as they are) and records movie.upserted. */
export async function changeMovie(tx: Tx, id: number, given: MovieInput): Promise<MovieView> {
  const input = withYear(given);
  const keys = (Object.keys(COLUMN) as (keyof typeof COLUMN)[]).filter((k) => input[k] !== undefined);
  const sets = [...keys.map((k) => sql`${sql.raw(COLUMN[k])} = ${valueSql(k, input[k])}`), sql`updated_at = now()`];
  let found: boolean;
  try {
    const res = await tx.execute(sql`update movies set ${sql.join(sets, sql`, `)} where id = ${id} returning id`);
    found = res.rows.length > 0;
  } catch (err) {
    rethrowConflict(err);
  }
  if (!found) throw new MovieWriteRefused('not-found', `No movie with id ${id}`);
  if (input.genreIds) await setGenres(tx, id, input.genreIds);
  await recordMoviesUpserted(tx, [id]);
  return (await findMovie(tx, id)) as MovieView;
}

/** Deletes a movie and records movie.deleted. */
export async function removeMovie(tx: Tx, id: number): Promise<void> {
  const res = await tx.execute(sql`delete from movies where id = ${id} returning id, tmdb_id as "tmdbId"`);
  const row = res.rows[0] as { id: number; tmdbId: number | null } | undefined;
  if (!row) throw new MovieWriteRefused('not-found', `No movie with id ${id}`);
  await recordMovieDeleted(tx, row);
}

/**
 * Records movie.upserted for each movie in bounded batches. touch bumps updated_at first, for changes
 * that reach a movie's snapshot from elsewhere (a genre renamed or removed), so consumers see a newer snapshot.
 */
export async function republishMovies(
  tx: Tx,
  movieIds: number[],
  opts: { touch: boolean; batch?: number },
): Promise<number> {
  const batch = opts.batch ?? 500;
  if (opts.touch && movieIds.length > 0)
    await tx.execute(sql`update movies set updated_at = now() where id = any(${intArray(movieIds)})`);
  let n = 0;
  for (let i = 0; i < movieIds.length; i += batch) n += await recordMoviesUpserted(tx, movieIds.slice(i, i + batch));
  return n;
}
