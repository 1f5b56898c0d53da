-- Title relevance and suggestions (see src/db/search-movies.ts and src/db/suggest-titles.ts); drizzle-kit cannot express these.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
-- A title as people type it: no case, accents, apostrophes or punctuation, and no leading English article.
-- unaccent() is only STABLE (its dictionary could change); naming the dictionary makes this safe to declare immutable.
CREATE OR REPLACE FUNCTION catalog_title_key(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT regexp_replace(
    btrim(regexp_replace(
      regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[''’`]', '', 'g'),
      '[^[:alnum:]]+', ' ', 'g')),
    '^(the|a|an) ', '')
$$;
--> statement-breakpoint
-- A word and its deletions (one for words of 3–5 letters, up to two from 6): two words within that many
-- edits share a variant, so misspelt words are found by equality lookups (the symmetric-delete method).
CREATE OR REPLACE FUNCTION catalog_word_variants(text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  WITH d1 AS (
    SELECT overlay($1 placing '' from i for 1) AS v FROM generate_series(1, length($1)) i WHERE length($1) >= 3
  ), d2 AS (
    SELECT overlay(d1.v placing '' from j for 1) AS v FROM d1, generate_series(1, length(d1.v)) j WHERE length($1) >= 6
  )
  SELECT array_agg(DISTINCT v) FROM (SELECT $1 AS v UNION ALL SELECT v FROM d1 UNION ALL SELECT v FROM d2) s
$$;
--> statement-breakpoint
ALTER TABLE "movies" ADD COLUMN "title_key" text GENERATED ALWAYS AS (catalog_title_key("title")) STORED;
--> statement-breakpoint
-- Title words as typed ('simple': no stemming, and no stop words dropped: "Being There" is all stop words in English).
ALTER TABLE "movies" ADD COLUMN "title_key_vector" tsvector GENERATED ALWAYS AS (
  to_tsvector('simple'::regconfig, coalesce(catalog_title_key("title"), ''))
) STORED;
--> statement-breakpoint
-- Exact and prefix lookups of a typed title (text_pattern_ops serves LIKE 'prefix%' in any collation).
CREATE INDEX "movies_title_key_idx" ON "movies" ("title_key" text_pattern_ops);
--> statement-breakpoint
CREATE INDEX "movies_title_key_vector_idx" ON "movies" USING gin ("title_key_vector");
--> statement-breakpoint
-- Every word of every title key under each of its variants; words are never removed (a stale word finds no title).
CREATE TABLE "title_words" (
  "variant" text NOT NULL,
  "word" text NOT NULL,
  PRIMARY KEY ("variant", "word")
);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_add_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO title_words (variant, word)
  SELECT v, w.word FROM (
    SELECT DISTINCT unnest(string_to_array(n.title_key, ' ')) AS word FROM new_rows n
  ) w CROSS JOIN LATERAL unnest(catalog_word_variants(w.word)) v
  WHERE w.word <> '' AND NOT EXISTS (SELECT 1 FROM title_words t WHERE t.variant = w.word AND t.word = w.word)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "movies_title_words_insert" AFTER INSERT ON "movies"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_add_title_words();
--> statement-breakpoint
CREATE TRIGGER "movies_title_words_update" AFTER UPDATE ON "movies"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_add_title_words();
--> statement-breakpoint
INSERT INTO title_words (variant, word)
SELECT v, w.word FROM (SELECT DISTINCT unnest(string_to_array(title_key, ' ')) AS word FROM movies) w
  CROSS JOIN LATERAL unnest(catalog_word_variants(w.word)) v
WHERE w.word <> ''
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The title-similarity pass now runs over the title key (see search-movies.ts).
DROP INDEX IF EXISTS "movies_title_trgm_idx";
