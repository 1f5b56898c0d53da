import { type DbOrTx, intArray } from '@marquee/platform-db';
import { type SQL, sql } from 'drizzle-orm';
import type { GenreView, MovieView } from '../routes/views';

// Search reads the view from here.
export { MovieView } from '../routes/views';

/** Genres of movie m as a JSON array, ordered by name. */
const GENRES_OF_M = sql`(select coalesce(json_agg(json_build_object('id', g.id, 'tmdbId', g.tmdb_id, 'name', g.name, 'slug', g.slug) order by g.name), '[]'::json)
  from movie_genres mg join genres g on g.id = mg.genre_id where mg.movie_id = m.id)`;

export const MOVIE_COLUMNS = sql`m.id, m.tmdb_id as "tmdbId", m.movielens_id as "movielensId", m.omdb_id as "omdbId", m.title,
  m.original_title as "originalTitle", m.overview, m.tagline, to_char(m.release_date, 'YYYY-MM-DD') as "releaseDate",
  m.release_year as "releaseYear",
  m.runtime, m.director, m.main_cast as "mainCast", m.tmdb_rating as "tmdbRating", m.tmdb_vote_count as "tmdbVoteCount",
  m.omdb_rating as "omdbRating", m.our_rating as "ourRating", m.rating_count as "ratingCount", m.poster_path as "posterPath",
  m.backdrop_path as "backdropPath", m.popularity_score as "popularityScore", m.view_count as "viewCount",
  m.like_count as "likeCount", m.adult, m.original_language as "originalLanguage", ${GENRES_OF_M} as genres,
  m.created_at as "createdAt", m.updated_at as "updatedAt"`;

type Row = Omit<MovieView, 'createdAt' | 'updatedAt'> & { createdAt: Date | string; updatedAt: Date | string };

export function toMovieView(row: Record<string, unknown>): MovieView {
  const r = row as Row;
  return {
    ...r,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export async function selectMovies(db: DbOrTx, where: SQL, tail: SQL = sql``): Promise<MovieView[]> {
  const res = await db.execute(sql`select ${MOVIE_COLUMNS} from movies m where ${where} ${tail}`);
  return res.rows.map(toMovieView);
}

export async function findMovie(db: DbOrTx, id: number): Promise<MovieView | undefined> {
  const [movie] = await selectMovies(db, sql`m.id = ${id}`);
  return movie;
}

export async function findMoviesByIds(db: DbOrTx, ids: number[]): Promise<MovieView[]> {
  if (ids.length === 0) return [];
  return selectMovies(db, sql`m.id = any(${intArray(ids)})`, sql`order by m.id`);
}

export async function listGenres(db: DbOrTx): Promise<GenreView[]> {
  const res = await db.execute(sql`select id, tmdb_id as "tmdbId", name, slug from genres order by name`);
  return res.rows as GenreView[];
}
