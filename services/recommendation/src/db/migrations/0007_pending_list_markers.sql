-- A waiting list is now only a marker: the row says the user's list is due to be written into user_recommendations,
-- since the fold-in that first queued it, and the store (src/recommend/store-lists.ts) computes the list when it
-- stores it. Upserting each fold-in's whole list (movie ids, scores, ranks, reasons: about 2 KB) cost 75–80 µs of
-- PostgreSQL CPU and 2.7 KB of WAL per fold-in at 1,000 interactions/s, although one list per user per store delay
-- is ever stored; a marker is inserted with ON CONFLICT DO NOTHING, so a fold-in of a user already waiting writes
-- nothing. Rows waiting when this runs become markers: their lists are computed again when stored. No row is
-- updated any more, so pages keep no room for new versions (fillfactor) and no row comes near a page's size.
ALTER TABLE "rec_pending_lists" DROP COLUMN "algorithm";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "variant";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "generated_at";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "movie_ids";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "scores";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "ranks";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" DROP COLUMN "reasons";--> statement-breakpoint
ALTER TABLE "rec_pending_lists" RESET (fillfactor, toast_tuple_target);
