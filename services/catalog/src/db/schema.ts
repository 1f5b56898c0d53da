import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

export { outbox, processedEvents } from '@marquee/platform-events';

export const genres = pgTable('genres', {
  id: serial('id').primaryKey(),
  tmdbId: integer('tmdb_id').unique(),
  name: text('name').notNull().unique(),
  slug: text('slug').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Imported movies keep their MovieLens id as their id (so ratings.csv joins without a map);
 * movies created here get ids from a sequence that starts far above MovieLens' range (custom migration).
 * search_vector (weighted tsvector) and the trigram index live in the custom migration 0001, title_vector in 0002.
 */
export const movies = pgTable(
  'movies',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity({ startWith: 1_000_001 }),
    tmdbId: integer('tmdb_id').unique(),
    movielensId: integer('movielens_id').unique(),
    omdbId: text('omdb_id'),
    title: text('title').notNull(),
    originalTitle: text('original_title'),
    overview: text('overview'),
    tagline: text('tagline'),
    releaseDate: date('release_date', { mode: 'string' }),
    // Known even without a release date (MovieLens titles carry the year); the year filters use it.
    releaseYear: smallint('release_year'),
    runtime: integer('runtime'),
    director: text('director'),
    mainCast: text('main_cast').array().notNull().default(sql`'{}'::text[]`),
    tmdbRating: doublePrecision('tmdb_rating'),
    tmdbVoteCount: integer('tmdb_vote_count'),
    omdbRating: doublePrecision('omdb_rating'),
    ourRating: doublePrecision('our_rating'),
    ratingSum: bigint('rating_sum', { mode: 'number' }).notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    posterPath: text('poster_path'),
    backdropPath: text('backdrop_path'),
    popularityScore: doublePrecision('popularity_score'),
    viewCount: integer('view_count').notNull().default(0),
    likeCount: integer('like_count').notNull().default(0),
    adult: boolean('adult').notNull().default(false),
    originalLanguage: text('original_language'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Keyset pagination: one (sort value, id) index per sort; NULLs sort as the lowest value.
    index('movies_popularity_idx').on(sql`coalesce(${t.popularityScore}, -1)`, t.id),
    // Most popular first, ties by id ascending (search's popular window, suggestions): read in order, no re-sort of ties.
    index('movies_popular_first_idx').on(sql`coalesce(${t.popularityScore}, -1) desc`, t.id),
    index('movies_tmdb_rating_idx').on(sql`coalesce(${t.tmdbRating}, -1)`, t.id),
    index('movies_our_rating_idx').on(sql`coalesce(${t.ourRating}, -1)`, t.id),
    index('movies_release_date_idx').on(sql`coalesce(${t.releaseDate}, '0001-01-01'::date)`, t.id),
    index('movies_title_idx').on(sql`lower(${t.title})`, t.id),
    index('movies_release_year_idx').on(t.releaseYear),
  ],
);

export const movieGenres = pgTable(
  'movie_genres',
  {
    movieId: integer('movie_id')
      .notNull()
      .references(() => movies.id, { onDelete: 'cascade' }),
    genreId: integer('genre_id')
      .notNull()
      .references(() => genres.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.movieId, t.genreId] }), index('movie_genres_genre_idx').on(t.genreId, t.movieId)],
);

/**
 * One row per data set import that ran to its end (runImport: at start when none has, or `catalog import`). The
 * start's import-when-needed asks this table, not whether any movie exists: an import cut off between two of its
 * batch transactions left movies, and used to be taken for a finished catalogue.
 */
export const catalogImports = pgTable('catalog_imports', {
  id: serial('id').primaryKey(),
  finishedAt: timestamp('finished_at', { withTimezone: true }).notNull().defaultNow(),
  movies: integer('movies').notNull(),
  inserted: integer('inserted').notNull(),
  updated: integer('updated').notNull(),
  unchanged: integer('unchanged').notNull(),
});
