-- A recomputed list waits here (one row per user, replaced by each fold-in) and is written into user_recommendations
-- once it has waited RECOMMENDATION_STORE_DELAY_MS (src/recommend/store-lists.ts). Writing each fold-in's 50 rows
-- straight away, each a new tuple in six indexes, was about 1.3 ms of PostgreSQL CPU per fold-in, the largest cost of
-- an interaction anywhere; a user's fold-ins within the delay now write one list. Redis, the API and
-- recommendations.generated have every list at once; a click or an export stores the user's waiting list first.
-- Only the primary key and pending_since (kept from the first fold-in) are indexed, and a page keeps room for the
-- next version of its rows (fillfactor), so replacing a waiting list is a HOT update; rows up to a page are kept
-- whole in it (toast_tuple_target) rather than compressed into TOAST on every replacement.
CREATE TABLE "rec_pending_lists" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"variant" text NOT NULL,
	"generated_at" timestamp with time zone NOT NULL,
	"pending_since" timestamp with time zone DEFAULT now() NOT NULL,
	"movie_ids" integer[] NOT NULL,
	"scores" real[] NOT NULL,
	"ranks" integer[] NOT NULL,
	"reasons" text[] NOT NULL
) WITH (fillfactor = 50, toast_tuple_target = 8160);
--> statement-breakpoint
CREATE INDEX "rec_pending_lists_pending_since_idx" ON "rec_pending_lists" USING btree ("pending_since");
--> statement-breakpoint
ALTER TABLE "rec_pending_lists" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "rec_pending_lists" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "rec_pending_lists_owner" ON "rec_pending_lists"
	USING (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true))
	WITH CHECK (current_setting('marquee.all_users', true) = 'on' OR user_id::text = current_setting('marquee.user_id', true));
