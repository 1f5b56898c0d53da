-- Title-only vector: when a query matches too many movies to rank them all, the search ranks the most
-- popular title matches plus the most popular of the rest (see src/db/search-movies.ts). Same text as
-- search_vector's 'A' part; its own GIN index finds title matches without reading the heap.
ALTER TABLE "movies" ADD COLUMN "title_vector" tsvector GENERATED ALWAYS AS (
  to_tsvector('english'::regconfig, coalesce("title", '') || ' ' || coalesce("original_title", ''))
) STORED;
--> statement-breakpoint
CREATE INDEX "movies_title_vector_idx" ON "movies" USING gin ("title_vector");
