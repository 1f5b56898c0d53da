-- The ingest asks, for every movie an event names, whether it was deleted; this index holds only deleted movies
-- (usually none). Without it PostgreSQL read every movie's row per list of recommendations to find the flag.
CREATE INDEX "movies_deleted_idx" ON "movies" ("movie_id") WHERE "deleted";
--> statement-breakpoint
-- A list of recommendations adds one to recommendation_count of each of its ~50 movies. Upserted with every list
-- that was 70 % of the ingest's PostgreSQL CPU (9 µs per movie); instead the ingest appends the list's movies here,
-- in the transaction that logs the list, and a job folds them into popularity_metrics every few seconds, one upsert
-- per movie and day however many lists named it (src/jobs/fold-impressions.ts). No user data: movies and a day.
CREATE TABLE "impressions_pending" (
	"day" date NOT NULL,
	"movie_ids" jsonb NOT NULL
);
