import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export { outbox, processedEvents } from '@marquee/platform-events';

// user_activity_logs is partitioned by month, which drizzle-kit cannot express: it is created by the
// hand-written migration 0001_activity_logs.sql and queried with SQL (src/ingest, src/reports).

/** Titles from catalog.movie.v1 for reports; a deleted movie stays as a tombstone so late events drop its id. */
export const movies = pgTable(
  'movies',
  {
    movieId: integer('movie_id').primaryKey(),
    title: text('title').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('movies_deleted_idx').on(t.movieId).where(sql`${t.deleted}`)],
);

/**
 * Lists of recommendations logged but not yet counted in popularity_metrics.recommendation_count: each list's
 * movies (a jsonb array, a deleted movie as null) and its UTC day. src/jobs/fold-impressions.ts empties it.
 */
export const impressionsPending = pgTable('impressions_pending', {
  day: date('day').notNull(),
  movieIds: jsonb('movie_ids').notNull(),
});

/** One row per movie per UTC day, kept incrementally from the rows the log accepts. */
export const popularityMetrics = pgTable(
  'popularity_metrics',
  {
    movieId: integer('movie_id').notNull(),
    date: date('date').notNull(),
    viewCount: integer('view_count').notNull().default(0),
    likeCount: integer('like_count').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    // The sum keeps avg_rating exact under increments.
    ratingSum: bigint('rating_sum', { mode: 'number' }).notNull().default(0),
    avgRating: doublePrecision('avg_rating').generatedAlwaysAs(
      sql`case when rating_count > 0 then rating_sum::float8 / rating_count end`,
    ),
    recommendationCount: integer('recommendation_count').notNull().default(0),
    clickCount: integer('click_count').notNull().default(0),
    clickThroughRate: doublePrecision('click_through_rate').generatedAlwaysAs(
      sql`case when recommendation_count > 0 then click_count::float8 / recommendation_count end`,
    ),
  },
  (t) => [primaryKey({ columns: [t.movieId, t.date] }), index('popularity_metrics_date_idx').on(t.date)],
);

/** Impressions and clicks per day, algorithm and experiment variant ('' when none): the CTR comparison. */
export const recommendationCtrDaily = pgTable(
  'recommendation_ctr_daily',
  {
    date: date('date').notNull(),
    algorithm: text('algorithm').notNull(),
    variant: text('variant').notNull().default(''),
    impressions: integer('impressions').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.date, t.algorithm, t.variant] })],
);

/** Events and distinct signed-in users per UTC day; counts survive a user's anonymisation. */
export const dailyActivity = pgTable('daily_activity', {
  date: date('date').primaryKey(),
  events: bigint('events', { mode: 'number' }).notNull().default(0),
  activeUsers: integer('active_users').notNull().default(0),
});

/** Who was active on a day, only so active_users counts each user once; erased with the user. */
export const dailyActiveUsers = pgTable(
  'daily_active_users',
  {
    date: date('date').notNull(),
    userId: uuid('user_id').notNull(),
  },
  // User first: the key serves both the once-per-day insert and erasure by user, with no second index.
  (t) => [primaryKey({ columns: [t.userId, t.date] })],
);

/** Users whose user.deleted was applied: late events of theirs arrive anonymised. */
export const erasedUsers = pgTable('erased_users', {
  userId: uuid('user_id').primaryKey(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Each computed trending list, newest first, as published in trending.updated. */
export const trendingSnapshots = pgTable(
  'trending_snapshots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    date: date('date').notNull(),
    windowDays: integer('window_days').notNull(),
    halfLifeHours: doublePrecision('half_life_hours').notNull(),
    movies: jsonb('movies').notNull(),
  },
  (t) => [index('trending_snapshots_computed_idx').on(t.computedAt)],
);

/** Partitions archived to files (and restored), with what is needed to verify the file. */
export const archivedPartitions = pgTable('archived_partitions', {
  partition: text('partition').primaryKey(),
  month: date('month').notNull(),
  file: text('file').notNull(),
  rows: bigint('rows', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  archivedAt: timestamp('archived_at', { withTimezone: true }).notNull().defaultNow(),
  restoredAt: timestamp('restored_at', { withTimezone: true }),
});
