CREATE TABLE "archived_partitions" (
	"partition" text PRIMARY KEY NOT NULL,
	"month" date NOT NULL,
	"file" text NOT NULL,
	"rows" bigint NOT NULL,
	"sha256" text NOT NULL,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL,
	"restored_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "daily_active_users" (
	"date" date NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "daily_active_users_user_id_date_pk" PRIMARY KEY("user_id","date")
);
--> statement-breakpoint
CREATE TABLE "daily_activity" (
	"date" date PRIMARY KEY NOT NULL,
	"events" bigint DEFAULT 0 NOT NULL,
	"active_users" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "erased_users" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "movies" (
	"movie_id" integer PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "popularity_metrics" (
	"movie_id" integer NOT NULL,
	"date" date NOT NULL,
	"view_count" integer DEFAULT 0 NOT NULL,
	"like_count" integer DEFAULT 0 NOT NULL,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"rating_sum" bigint DEFAULT 0 NOT NULL,
	"avg_rating" double precision GENERATED ALWAYS AS (case when rating_count > 0 then rating_sum::float8 / rating_count end) STORED,
	"recommendation_count" integer DEFAULT 0 NOT NULL,
	"click_count" integer DEFAULT 0 NOT NULL,
	"click_through_rate" double precision GENERATED ALWAYS AS (case when recommendation_count > 0 then click_count::float8 / recommendation_count end) STORED,
	CONSTRAINT "popularity_metrics_movie_id_date_pk" PRIMARY KEY("movie_id","date")
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "recommendation_ctr_daily" (
	"date" date NOT NULL,
	"algorithm" text NOT NULL,
	"variant" text DEFAULT '' NOT NULL,
	"impressions" integer DEFAULT 0 NOT NULL,
	"clicks" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "recommendation_ctr_daily_date_algorithm_variant_pk" PRIMARY KEY("date","algorithm","variant")
);
--> statement-breakpoint
CREATE TABLE "trending_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"date" date NOT NULL,
	"window_days" integer NOT NULL,
	"half_life_hours" double precision NOT NULL,
	"movies" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_unpublished_seq_idx" ON "outbox" USING btree ("seq") WHERE "outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "popularity_metrics_date_idx" ON "popularity_metrics" USING btree ("date");--> statement-breakpoint
CREATE INDEX "trending_snapshots_computed_idx" ON "trending_snapshots" USING btree ("computed_at");