import { type Database, maintainAsOwner, type Tx, intArray } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { slugify, TMDB_MOVIE_GENRES } from '../domain/genre-map';
import { type ImportedMovie, toImportedMovie } from '../domain/import-record';
import { recordMoviesUpserted } from '../events/movie-events';
import type { Dataset } from './dataset';

export interface ImportSummary {
  movies: number;
  inserted: number;
  updated: number;
  unchanged: number;
  genresInserted: number;
  genresUpdated: number;
  /** Movies whose TMDb id another MovieLens movie already has; stored without one. */
  duplicateTmdbIds: number;
  eventsRecorded: number;
  ms: number;
}

export interface ImportOptions {
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  /** The owner's URL: only a table's owner may vacuum it, and the catalog serves as its application role. */
  ownerUrl?: string;
}

const FIELDS = [
  'tmdbId',
  'omdbId',
  'title',
  'originalTitle',
  'overview',
  'tagline',
  'releaseDate',
  'releaseYear',
  'runtime',
  'director',
  'mainCast',
  'tmdbRating',
  'tmdbVoteCount',
  'posterPath',
  'backdropPath',
  'popularityScore',
  'adult',
  'originalLanguage',
  'genreNames',
] as const;

/** jsonb_to_recordset column list shared by the insert and the update. */
const RECORD_TYPE =
  sql.raw(`r(id int, movielens_id int, tmdb_id int, omdb_id text, title text, original_title text, overview text,
  tagline text, release_date date, release_year smallint, runtime int, director text, main_cast text[], tmdb_rating float8,
  tmdb_vote_count int, poster_path text, backdrop_path text, popularity_score float8, adult boolean, original_language text)`);
const SET_FROM_R = sql.raw(`movielens_id = r.movielens_id, tmdb_id = r.tmdb_id, omdb_id = r.omdb_id, title = r.title,
  original_title = r.original_title, overview = r.overview, tagline = r.tagline, release_date = r.release_date,
  release_year = r.release_year, runtime = r.runtime, director = r.director, main_cast = r.main_cast, tmdb_rating = r.tmdb_rating,
  tmdb_vote_count = r.tmdb_vote_count, poster_path = r.poster_path, backdrop_path = r.backdrop_path,
  popularity_score = r.popularity_score, adult = r.adult, original_language = r.original_language, updated_at = now()`);

function toRecord(id: number, m: ImportedMovie) {
  return {
    id,
    movielens_id: m.movielensId,
    tmdb_id: m.tmdbId,
    omdb_id: m.omdbId,
    title: m.title,
    original_title: m.originalTitle,
    overview: m.overview,
    tagline: m.tagline,
    release_date: m.releaseDate,
    release_year: m.releaseYear,
    runtime: m.runtime,
    director: m.director,
    main_cast: m.mainCast,
    tmdb_rating: m.tmdbRating,
    tmdb_vote_count: m.tmdbVoteCount,
    poster_path: m.posterPath,
    backdrop_path: m.backdropPath,
    popularity_score: m.popularityScore,
    adult: m.adult,
    original_language: m.originalLanguage,
  };
}

const fingerprint = (m: Pick<ImportedMovie, (typeof FIELDS)[number]>) => JSON.stringify(FIELDS.map((f) => m[f]));

async function upsertGenres(
  tx: Tx,
  list: { tmdbId: number; name: string }[],
): Promise<{ inserted: number; updated: number }> {
  const res = await tx.execute(sql`
    insert into genres (tmdb_id, name, slug)
    select r.tmdb_id, r.name, r.slug from jsonb_to_recordset(${JSON.stringify(list.map((g) => ({ tmdb_id: g.tmdbId, name: g.name, slug: slugify(g.name) })))}::jsonb)
      as r(tmdb_id int, name text, slug text)
    on conflict (tmdb_id) do update set name = excluded.name, slug = excluded.slug, updated_at = now()
      where (genres.name, genres.slug) is distinct from (excluded.name, excluded.slug)
    returning (xmax = 0) as inserted`);
  const rows = res.rows as { inserted: boolean }[];
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted };
}

/** The stored state of the batch's movies (matched by MovieLens id, else TMDb id), in the import's shape. */
async function existingOf(tx: Tx, batch: ImportedMovie[]) {
  const res = await tx.execute(sql`
    select m.id, m.movielens_id as "movielensId", m.tmdb_id as "tmdbId", m.omdb_id as "omdbId", m.title, m.original_title as "originalTitle",
      m.overview, m.tagline, to_char(m.release_date, 'YYYY-MM-DD') as "releaseDate", m.release_year as "releaseYear", m.runtime, m.director,
      m.main_cast as "mainCast", m.tmdb_rating as "tmdbRating", m.tmdb_vote_count as "tmdbVoteCount", m.poster_path as "posterPath",
      m.backdrop_path as "backdropPath", m.popularity_score as "popularityScore", m.adult, m.original_language as "originalLanguage",
      array(select g.name from movie_genres mg join genres g on g.id = mg.genre_id where mg.movie_id = m.id order by g.name) as "genreNames"
    from movies m
    where m.movielens_id = any(${intArray(batch.map((b) => b.movielensId))})
       or m.tmdb_id = any(${intArray(batch.flatMap((b) => (b.tmdbId ? [b.tmdbId] : [])))})`);
  const byMl = new Map<number, ImportedMovie & { id: number }>();
  const byTmdb = new Map<number, ImportedMovie & { id: number }>();
  for (const row of res.rows as unknown as (ImportedMovie & { id: number })[]) {
    // Same order as the import's (JS code-unit order), whatever the database collation.
    row.genreNames = [...row.genreNames].sort();
    if (row.movielensId !== null) byMl.set(row.movielensId, row);
    if (row.tmdbId !== null) byTmdb.set(row.tmdbId, row);
  }
  return (m: ImportedMovie) => byMl.get(m.movielensId) ?? (m.tmdbId !== null ? byTmdb.get(m.tmdbId) : undefined);
}

/**
 * Upserts the data set in batches, one transaction each: unchanged movies are not written; new and changed
 * ones are written with set-based statements and their movie.upserted events go to the outbox in one insert.
 * Imported movies take their MovieLens id as id. Idempotent: a second run finds every movie unchanged.
 */
export async function importCatalog(database: Database, data: Dataset, opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const genreList = data.tmdbGenres.length > 0 ? data.tmdbGenres : [...TMDB_MOVIE_GENRES];
  const genreSummary = await database.db.transaction((tx) => upsertGenres(tx, genreList));
  const genreRows = (await database.db.execute(sql`select id, tmdb_id as "tmdbId", name from genres`)).rows as {
    id: number;
    tmdbId: number | null;
    name: string;
  }[];
  const genreIdByName = new Map(genreRows.map((g) => [g.name, g.id]));
  const nameByTmdbId = new Map(genreRows.flatMap((g) => (g.tmdbId !== null ? [[g.tmdbId, g.name] as const] : [])));

  const wanted = data.movies.map((m) => toImportedMovie(m, data.tmdb.get(m.movieId), nameByTmdbId));
  // MovieLens lists a few films twice (e.g. 6003 and 144606 share TMDb 4912): the first keeps the TMDb id.
  const tmdbOwners = new Set<number>();
  let duplicateTmdbIds = 0;
  for (const m of wanted) {
    if (m.tmdbId === null) continue;
    if (tmdbOwners.has(m.tmdbId)) {
      m.tmdbId = null;
      duplicateTmdbIds += 1;
    } else tmdbOwners.add(m.tmdbId);
  }
  const summary: ImportSummary = {
    movies: wanted.length,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    genresInserted: genreSummary.inserted,
    genresUpdated: genreSummary.updated,
    duplicateTmdbIds,
    eventsRecorded: 0,
    ms: 0,
  };
  for (let i = 0; i < wanted.length; i += opts.batchSize) {
    const batch = wanted.slice(i, i + opts.batchSize);
    await database.db.transaction(async (tx) => {
      const existing = await existingOf(tx, batch);
      const inserts: ReturnType<typeof toRecord>[] = [];
      const updates: ReturnType<typeof toRecord>[] = [];
      const genreLinks: { movie_id: number; genre_id: number }[] = [];
      for (const m of batch) {
        const old = existing(m);
        if (old && fingerprint(old) === fingerprint(m)) {
          summary.unchanged += 1;
          continue;
        }
        const id = old?.id ?? m.movielensId;
        (old ? updates : inserts).push(toRecord(id, m));
        for (const name of m.genreNames) {
          const genreId = genreIdByName.get(name);
          if (genreId !== undefined) genreLinks.push({ movie_id: id, genre_id: genreId });
        }
      }
      if (inserts.length > 0) {
        await tx.execute(sql`insert into movies (id, movielens_id, tmdb_id, omdb_id, title, original_title, overview, tagline, release_date,
            release_year, runtime, director, main_cast, tmdb_rating, tmdb_vote_count, poster_path, backdrop_path, popularity_score, adult, original_language)
          overriding system value
          select r.* from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) as ${RECORD_TYPE}`);
      }
      if (updates.length > 0) {
        await tx.execute(
          sql`update movies m set ${SET_FROM_R} from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as ${RECORD_TYPE} where m.id = r.id`,
        );
      }
      const changed = [...inserts, ...updates].map((r) => r.id);
      if (changed.length > 0) {
        await tx.execute(sql`delete from movie_genres where movie_id = any(${intArray(changed)})`);
        if (genreLinks.length > 0) {
          await tx.execute(sql`insert into movie_genres (movie_id, genre_id)
            select r.movie_id, r.genre_id from jsonb_to_recordset(${JSON.stringify(genreLinks)}::jsonb) as r(movie_id int, genre_id int)`);
        }
        summary.eventsRecorded += await recordMoviesUpserted(tx, changed);
      }
      summary.inserted += inserts.length;
      summary.updated += updates.length;
    });
    opts.onProgress?.(Math.min(i + opts.batchSize, wanted.length), wanted.length);
  }
  if (summary.inserted + summary.updated > 0) {
    // Merges the GIN pending lists a bulk write leaves and refreshes planner stats (title_words' too: triggers fill it).
    await maintainAsOwner(opts.ownerUrl, database, 'vacuum (analyze) movies, movie_genres, genres, title_words');
  }
  summary.ms = Date.now() - started;
  return summary;
}
