import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  time,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export { outbox, processedEvents } from '@marquee/platform-events';

/** One row per user, created on user.registered; the timezone here schedules the digest. */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    userId: uuid('user_id').primaryKey(),
    weeklyDigest: boolean('weekly_digest').notNull().default(true),
    recommendationAlerts: boolean('recommendation_alerts').notNull().default(true),
    trendingAlerts: boolean('trending_alerts').notNull().default(false),
    pushRecommendations: boolean('push_recommendations').notNull().default(true),
    pushTrending: boolean('push_trending').notNull().default(false),
    digestDay: smallint('digest_day').notNull().default(1),
    digestTime: time('digest_time').notNull().default('09:00'),
    timezone: text('timezone').notNull().default('UTC'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('notification_preferences_digest_day_check', sql`${t.digestDay} between 1 and 7`),
    check(
      'notification_preferences_digest_time_check',
      sql`${t.digestTime} = date_trunc('minute', ${t.digestTime}::interval)::time`,
    ),
    check(
      'notification_preferences_timezone_check',
      sql`${t.timezone} ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'`,
    ),
    index('notification_preferences_digest_idx').on(t.digestDay, t.digestTime),
  ],
);

/** Projection of auth.user.v1: what scheduling and rendering need, never an address or a token. */
export const recipients = pgTable('recipients', {
  userId: uuid('user_id').primaryKey(),
  timezone: text('timezone').notNull(),
  preferredLanguage: text('preferred_language').notNull(),
  deviceType: text('device_type'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One row per user and digest week: the unique key that makes a digest go out once across replicas and restarts. */
export const digestClaims = pgTable(
  'digest_claims',
  {
    userId: uuid('user_id').notNull(),
    weekStart: date('week_start').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.weekStart] })],
);

/** Alerts counted per user and local day, for the daily cap. */
export const alertCounts = pgTable(
  'alert_counts',
  {
    userId: uuid('user_id').notNull(),
    day: date('day').notNull(),
    sent: integer('sent').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] })],
);

/** Movies already named in a recommendation alert to a user: an alert brings only new picks. */
export const alertedMovies = pgTable(
  'alerted_movies',
  {
    userId: uuid('user_id').notNull(),
    movieId: integer('movie_id').notNull(),
    alertedAt: timestamp('alerted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.movieId] })],
);

/** Trending days already alerted: analytics may publish a day's list more than once. */
export const alertedTrendingDates = pgTable('alerted_trending_dates', {
  day: date('day').primaryKey(),
  alertedAt: timestamp('alerted_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Secrets the service makes for itself on first start (VAPID key pair, link-signing key), shared by replicas. */
export const serviceKeys = pgTable('service_keys', {
  name: text('name').primaryKey(),
  value: jsonb('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
