import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * notification_logs, partitioned by quarter on created_at (migration 0001 creates it: drizzle-kit
 * cannot express partitioning, so this file stays outside drizzle.config's schema).
 * recipient holds the channel's masked form only; payload says what to render (movie ids, no PII).
 */
export const notificationLogs = pgTable(
  'notification_logs',
  {
    id: uuid('id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`date_trunc('milliseconds', now())`),
    userId: uuid('user_id').notNull(),
    notificationType: text('notification_type').$type<'email' | 'push'>().notNull(),
    kind: text('kind').$type<NotificationKind>().notNull(),
    subject: text('subject').notNull().default(''),
    content: text('content').notNull().default(''),
    recipient: text('recipient'),
    status: text('status').$type<LogStatus>().notNull().default('pending'),
    externalId: text('external_id'),
    errorMessage: text('error_message'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().default(sql`now()`),
    payload: jsonb('payload').$type<LogPayload>().notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    clickedAt: timestamp('clicked_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
);

export type NotificationKind = 'weekly_digest' | 'recommendation_alert' | 'trending_alert';
export type LogStatus = 'pending' | 'sent' | 'delivered' | 'failed' | 'opened' | 'clicked';
/** What a pending notification will carry: picked movies (digest content is fetched at send time). */
export interface LogPayload {
  movieIds?: number[];
  weekStart?: string;
  date?: string;
}
export type LogRow = typeof notificationLogs.$inferSelect;
