-- Storing a list rewrites most of its 50 rows (scores are relative to the list's best, so when the best moves every
-- score moves), and no rewrite could be a HOT update: score and generated_at were indexed, so each changed row was a
-- new tuple plus an entry in all seven indexes. In the interactions bench that was about 41 WAL entries per
-- interaction, some 40 % of all the WAL PostgreSQL wrote. No query reads through (user_id, score desc),
-- (generated_at) or (algorithm): a user's rows are found by the unique (user_id, movie_id, algorithm), a movie's by
-- movie_id, clicks by the partial clicked index. Without them a rewrite changes no indexed column, and with half of
-- each new page left free (a stored list is about one page of rows) its new versions fit beside the old ones:
-- updates stay HOT and touch no index. Pages written before this migration keep their fill until rewritten.
DROP INDEX IF EXISTS "user_recommendations_user_score_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "user_recommendations_generated_at_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "user_recommendations_algorithm_idx";--> statement-breakpoint
ALTER TABLE "user_recommendations" SET (fillfactor = 50);
