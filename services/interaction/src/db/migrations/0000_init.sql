CREATE TABLE "known_movies" (
	"movie_id" integer PRIMARY KEY NOT NULL,
	"tmdb_id" integer,
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
CREATE TABLE "processed_events" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "user_movie_interactions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "user_movie_interactions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" uuid NOT NULL,
	"movie_id" integer NOT NULL,
	"interaction_type" text NOT NULL,
	"rating" smallint,
	"feedback_type" text,
	"feedback_comment" text,
	"source" text DEFAULT 'web' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_movie_interactions_user_movie_type_key" UNIQUE("user_id","movie_id","interaction_type"),
	CONSTRAINT "user_movie_interactions_type_check" CHECK ("user_movie_interactions"."interaction_type" in ('view', 'like', 'dislike', 'favorite', 'watchlist', 'rating')),
	CONSTRAINT "user_movie_interactions_rating_range_check" CHECK ("user_movie_interactions"."rating" between 1 and 5),
	CONSTRAINT "user_movie_interactions_rating_only_on_rating_check" CHECK (("user_movie_interactions"."interaction_type" = 'rating') = ("user_movie_interactions"."rating" is not null)),
	CONSTRAINT "user_movie_interactions_feedback_type_check" CHECK ("user_movie_interactions"."feedback_type" in ('positive', 'negative', 'not_interested', 'already_seen')),
	CONSTRAINT "user_movie_interactions_comment_needs_feedback_check" CHECK ("user_movie_interactions"."feedback_comment" is null or ("user_movie_interactions"."feedback_type" is not null and length("user_movie_interactions"."feedback_comment") <= 2000)),
	CONSTRAINT "user_movie_interactions_source_check" CHECK ("user_movie_interactions"."source" in ('web', 'mobile', 'email', 'push'))
);
--> statement-breakpoint
CREATE INDEX "outbox_unpublished_seq_idx" ON "outbox" USING btree ("seq") WHERE "outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "user_movie_interactions_user_type_time_idx" ON "user_movie_interactions" USING btree ("user_id","interaction_type","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "user_movie_interactions_user_time_idx" ON "user_movie_interactions" USING btree ("user_id","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "user_movie_interactions_movie_type_idx" ON "user_movie_interactions" USING btree ("movie_id","interaction_type");--> statement-breakpoint
CREATE INDEX "user_movie_interactions_rated_idx" ON "user_movie_interactions" USING btree ("movie_id","rating") WHERE "user_movie_interactions"."rating" is not null;--> statement-breakpoint
CREATE INDEX "user_movie_interactions_feedback_idx" ON "user_movie_interactions" USING btree ("user_id","feedback_type") WHERE "user_movie_interactions"."feedback_type" is not null;