-- The activity log, partitioned by month of occurred_at (partitions are created by src/db/partitions.ts).
-- The key is the event id (plus a sequence for events that log several rows) with the partition key,
-- so a redelivered event inserts nothing. ip_address holds a network prefix or an AES-256-GCM value, never an address.
CREATE TABLE "user_activity_logs" (
	"event_id" uuid NOT NULL,
	"event_seq" smallint NOT NULL DEFAULT 0,
	"user_id" uuid,
	"session_id" text,
	"action_type" text NOT NULL,
	"movie_id" integer,
	"ip_address" text,
	"user_agent" text,
	"referer" text,
	"source" text,
	"metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "user_activity_logs_pk" PRIMARY KEY ("event_id", "event_seq", "occurred_at"),
	CONSTRAINT "user_activity_logs_action_type_check" CHECK ("action_type" IN (
		'movie_view', 'movie_search', 'recommendation_click', 'email_open', 'email_click', 'push_click',
		'rating_submit', 'favorite_add', 'watchlist_add', 'movie_like', 'movie_dislike',
		'recommendation_impression', 'push_open')),
	CONSTRAINT "user_activity_logs_source_check" CHECK ("source" IN ('web', 'mobile', 'email', 'push'))
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "user_activity_logs_user_action_time_idx" ON "user_activity_logs" ("user_id", "action_type", "occurred_at" DESC);
--> statement-breakpoint
CREATE INDEX "user_activity_logs_user_time_idx" ON "user_activity_logs" ("user_id", "occurred_at" DESC);
--> statement-breakpoint
CREATE INDEX "user_activity_logs_time_idx" ON "user_activity_logs" ("occurred_at" DESC);
--> statement-breakpoint
CREATE INDEX "user_activity_logs_movie_action_idx" ON "user_activity_logs" ("movie_id", "action_type");
--> statement-breakpoint
CREATE INDEX "user_activity_logs_session_idx" ON "user_activity_logs" ("session_id");
--> statement-breakpoint
CREATE INDEX "user_activity_logs_source_idx" ON "user_activity_logs" ("source");
--> statement-breakpoint
-- Row-level security (team convention): a request sees one user's rows; consumers, jobs and admin reports opt in to all.
ALTER TABLE "user_activity_logs" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "user_activity_logs" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "user_activity_logs_owner" ON "user_activity_logs"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
--> statement-breakpoint
ALTER TABLE "daily_active_users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "daily_active_users" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "daily_active_users_owner" ON "daily_active_users"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
--> statement-breakpoint
ALTER TABLE "erased_users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "erased_users" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "erased_users_owner" ON "erased_users"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
--> statement-breakpoint
-- The daily tables are updated in place many times a day: room on each page lets those be HOT updates
-- (no new index entries), which the ingest path pays for on every batch.
ALTER TABLE "popularity_metrics" SET (fillfactor = 80);
--> statement-breakpoint
ALTER TABLE "recommendation_ctr_daily" SET (fillfactor = 80);
--> statement-breakpoint
ALTER TABLE "daily_activity" SET (fillfactor = 50);
