-- Title-only vector: the search ranks every title match but only a popularity-ordered window of the
-- other matches, so common words stay fast (see src/db/search-movies.ts). Same text and weight as
-- search_vector's 'A' part; its own GIN index finds title matches without reading the heap.
ALTER TABLE "movies" ADD COLUMN "title_vector" tsvector GENERATED ALWAYS AS (
  to_tsvector('english'::regconfig, coalesce("title", '') || ' ' || coalesce("original_title", ''))
) STORED;
--> statement-breakpoint
CREATE INDEX "movies_title_vector_idx" ON "movies" USING gin ("title_vector");
