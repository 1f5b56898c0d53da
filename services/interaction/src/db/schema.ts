import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, smallint, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export { outbox, processedEvents } from '@marquee/platform-events';

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
export const INTERACTION_TYPES = ['view', 'like', 'dislike', 'favorite', 'watchlist', 'rating'] as const;
export const FEEDBACK_TYPES = ['positive', 'negative', 'not_interested', 'already_seen'] as const;
export const SOURCES = ['web', 'mobile', 'email', 'push'] as const;

/**
 * What each user did to each movie, one row per (user, movie, type). Row-level security (migration 0001)
 * shows a transaction only the rows of `marquee.user_id`, unless it says `marquee.all_users`.
 */
export const userMovieInteractions = pgTable(
  'user_movie_interactions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid('user_id').notNull(),
    movieId: integer('movie_id').notNull(),
    interactionType: text('interaction_type').notNull(),
    rating: smallint('rating'),
    feedbackType: text('feedback_type'),
    feedbackComment: text('feedback_comment'),
    source: text('source').notNull().default('web'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('user_movie_interactions_user_movie_type_key').on(t.userId, t.movieId, t.interactionType),
    check('user_movie_interactions_type_check', sql`${t.interactionType} in (${inList(INTERACTION_TYPES)})`),
    check('user_movie_interactions_rating_range_check', sql`${t.rating} between 1 and 5`),
    check(
      'user_movie_interactions_rating_only_on_rating_check',
      sql`(${t.interactionType} = 'rating') = (${t.rating} is not null)`,
    ),
    check('user_movie_interactions_feedback_type_check', sql`${t.feedbackType} in (${inList(FEEDBACK_TYPES)})`),
    // The comment is stored encrypted (domain/feedback-comment.ts): the platform's envelope, never plain text. The
    // API caps the text at 2,000 characters; its ciphertext (up to 4 UTF-8 bytes a character, base64) fits 11,000.
    check(
      'user_movie_interactions_comment_encrypted_check',
      sql`${t.feedbackComment} is null or (${t.feedbackType} is not null and ${t.feedbackComment} like 'v1:%' and length(${t.feedbackComment}) <= 11000)`,
    ),
    check('user_movie_interactions_source_check', sql`${t.source} in (${inList(SOURCES)})`),
    // Library shelves (favorites, watchlist, ratings) newest first, with the keyset cursor's tie-breaker.
    index('user_movie_interactions_user_type_time_idx').on(
      t.userId,
      t.interactionType,
      t.updatedAt.desc(),
      t.id.desc(),
    ),
    // History across every type, newest first.
    index('user_movie_interactions_user_time_idx').on(t.userId, t.updatedAt.desc(), t.id.desc()),
    // movie.deleted erases a movie's rows; per-movie aggregates by type.
    index('user_movie_interactions_movie_type_idx').on(t.movieId, t.interactionType),
    index('user_movie_interactions_rated_idx').on(t.movieId, t.rating).where(sql`${t.rating} is not null`),
    index('user_movie_interactions_feedback_idx')
      .on(t.userId, t.feedbackType)
      .where(sql`${t.feedbackType} is not null`),
  ],
);

/** Projection of catalog.movie.v1: the movies that exist, so a write for another id is refused without a call. */
export const knownMovies = pgTable('known_movies', {
  movieId: integer('movie_id').primaryKey(),
  tmdbId: integer('tmdb_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
