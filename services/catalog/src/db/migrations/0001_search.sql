-- Full-text and typo-tolerant search over movies (drizzle-kit cannot express these).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- array_to_string is only STABLE; for text[] it is safe to declare immutable, which a generated column needs.
CREATE OR REPLACE FUNCTION catalog_text_array_to_string(text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string($1, ' ') $$;
--> statement-breakpoint
ALTER TABLE "movies" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english'::regconfig, coalesce("title", '') || ' ' || coalesce("original_title", '')), 'A') ||
  setweight(to_tsvector('english'::regconfig, coalesce("overview", '')), 'B') ||
  setweight(to_tsvector('english'::regconfig,
    coalesce("tagline", '') || ' ' || coalesce("director", '') || ' ' || catalog_text_array_to_string("main_cast")), 'C')
) STORED;
--> statement-breakpoint
CREATE INDEX "movies_search_vector_idx" ON "movies" USING gin ("search_vector");
--> statement-breakpoint
CREATE INDEX "movies_title_trgm_idx" ON "movies" USING gin ("title" gin_trgm_ops);
