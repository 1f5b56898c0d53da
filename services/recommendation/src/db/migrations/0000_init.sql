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
CREATE TABLE "processed_events" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE INDEX "outbox_unpublished_seq_idx" ON "outbox" USING btree ("seq") WHERE "outbox"."published_at" is null;
--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox" USING btree ("published_at");
--> statement-breakpoint
CREATE TABLE "rec_users" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"favorite_genres" integer[] DEFAULT '{}' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rec_movies" (
	"movie_id" integer PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"genres" integer[] DEFAULT '{}' NOT NULL,
	"director" text,
	"main_cast" text[] DEFAULT '{}' NOT NULL,
	"overview" text,
	"original_language" text,
	"release_year" integer,
	"adult" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rec_genres" (
	"genre_id" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rec_feedback" (
	"user_id" uuid NOT NULL,
	"movie_id" integer NOT NULL,
	"kind" text NOT NULL,
	"weight" real NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "rec_feedback_pk" PRIMARY KEY("user_id","movie_id","kind")
);
--> statement-breakpoint
CREATE INDEX "rec_feedback_at_idx" ON "rec_feedback" USING btree ("at");
--> statement-breakpoint
CREATE INDEX "rec_feedback_movie_idx" ON "rec_feedback" USING btree ("movie_id");
--> statement-breakpoint
CREATE TABLE "rec_trending" (
	"movie_id" integer PRIMARY KEY NOT NULL,
	"score" real NOT NULL,
	"date" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_recommendations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"movie_id" integer NOT NULL,
	"score" real NOT NULL,
	"algorithm" text NOT NULL,
	"variant" text NOT NULL,
	"rank" integer NOT NULL,
	"reason" text NOT NULL,
	"generated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"clicked" boolean DEFAULT false NOT NULL,
	"clicked_at" timestamp with time zone,
	CONSTRAINT "user_recommendations_score_check" CHECK ("score" >= 0 AND "score" <= 1),
	CONSTRAINT "user_recommendations_algorithm_check" CHECK ("algorithm" IN ('collaborative', 'content_based', 'hybrid', 'trending')),
	CONSTRAINT "user_recommendations_user_movie_algorithm_key" UNIQUE("user_id","movie_id","algorithm")
);
--> statement-breakpoint
CREATE INDEX "user_recommendations_user_score_idx" ON "user_recommendations" USING btree ("user_id","score" DESC);
--> statement-breakpoint
CREATE INDEX "user_recommendations_generated_at_idx" ON "user_recommendations" USING btree ("generated_at");
--> statement-breakpoint
CREATE INDEX "user_recommendations_algorithm_idx" ON "user_recommendations" USING btree ("algorithm");
--> statement-breakpoint
CREATE INDEX "user_recommendations_clicked_idx" ON "user_recommendations" USING btree ("clicked");
--> statement-breakpoint
CREATE INDEX "user_recommendations_movie_idx" ON "user_recommendations" USING btree ("movie_id");
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"users" integer,
	"items" integer,
	"interactions" integer,
	"train_ms" integer,
	"params" jsonb NOT NULL,
	"error" text,
	CONSTRAINT "model_versions_status_check" CHECK ("status" IN ('running', 'succeeded', 'failed', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "user_recommendations" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "user_recommendations" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "user_recommendations_owner" ON "user_recommendations"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
--> statement-breakpoint
ALTER TABLE "rec_feedback" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "rec_feedback" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "rec_feedback_owner" ON "rec_feedback"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
--> statement-breakpoint
ALTER TABLE "rec_users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "rec_users" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "rec_users_owner" ON "rec_users"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
