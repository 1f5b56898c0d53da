-- Counter updates (view_count, like_count, our_rating from interaction.v1: one row per viewed movie per consumed
-- chunk) paid for the search columns on every row: PostgreSQL 15 recomputes every stored generated column on any
-- UPDATE (four to_tsvector/unaccent passes over title, overview, tagline and cast), and the statement-level title
-- words trigger captured every updated row in a transition table and re-derived its words. Measured on the 9,742
-- imported movies, 20-movie counter updates: ~64 µs of update and ~29 µs of trigger per movie. The search columns
-- are now kept by a BEFORE trigger that runs on INSERT and only on an UPDATE that sets a column they derive from,
-- and title words are added only when a title key changes; their values and the indexes over them are unchanged.
-- 30 % of each page is left free so a counter update can stay on its page and touch no index (HOT): a freshly
-- imported, full page sent each movie's first update to another page, with an entry in each of its 14 indexes (4
-- GIN); at 80 % a tenth of the movies updated at once were still 13 % non-HOT (test/search.test.ts), at 70 % under
-- 5 %. Together, 20-movie counter updates over freshly imported movies, backend CPU, two fresh pairs on a busy
-- machine (load 8 to 10): 1.10 and 0.98 ms -> 0.36 and 0.24 ms. The table stays 14 MB at 9,742 movies (rows are
-- mostly TOASTed text). Pages already full keep their rows until an update moves them; new pages fill to 70 %.
ALTER TABLE "movies"
  ALTER COLUMN "search_vector" DROP EXPRESSION,
  ALTER COLUMN "title_vector" DROP EXPRESSION,
  ALTER COLUMN "title_key" DROP EXPRESSION,
  ALTER COLUMN "title_key_vector" DROP EXPRESSION,
  SET (fillfactor = 70);
--> statement-breakpoint
-- The same expressions as migrations 0001 to 0003 gave the generated columns.
CREATE FUNCTION catalog_movie_search_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '') || ' ' || coalesce(NEW.original_title, '')), 'A') ||
    setweight(to_tsvector('english'::regconfig, coalesce(NEW.overview, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig,
      coalesce(NEW.tagline, '') || ' ' || coalesce(NEW.director, '') || ' ' || catalog_text_array_to_string(NEW.main_cast)), 'C');
  NEW.title_vector := to_tsvector('english'::regconfig, coalesce(NEW.title, '') || ' ' || coalesce(NEW.original_title, ''));
  NEW.title_key := catalog_title_key(NEW.title);
  NEW.title_key_vector := to_tsvector('simple'::regconfig, coalesce(catalog_title_key(NEW.title), ''));
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "movies_search_columns_insert" BEFORE INSERT ON "movies"
  FOR EACH ROW EXECUTE FUNCTION catalog_movie_search_columns();
--> statement-breakpoint
-- Listing the derived columns too keeps them read-only in effect, as they were: a write to one is recomputed over.
CREATE TRIGGER "movies_search_columns_update" BEFORE UPDATE OF "title", "original_title", "overview", "tagline",
  "director", "main_cast", "search_vector", "title_vector", "title_key", "title_key_vector" ON "movies"
  FOR EACH ROW EXECUTE FUNCTION catalog_movie_search_columns();
--> statement-breakpoint
-- A transition table cannot go with a column list, so an update's title words are added row by row, and only
-- for a row whose title key changed (the insert trigger stays per statement).
DROP TRIGGER "movies_title_words_update" ON "movies";
--> statement-breakpoint
CREATE FUNCTION catalog_add_row_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO title_words (variant, word)
  SELECT v, w.word FROM (SELECT DISTINCT unnest(string_to_array(NEW.title_key, ' ')) AS word) w
    CROSS JOIN LATERAL unnest(catalog_word_variants(w.word)) v
  WHERE w.word <> '' AND NOT EXISTS (SELECT 1 FROM title_words t WHERE t.variant = w.word AND t.word = w.word)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "movies_title_words_update" AFTER UPDATE OF "title" ON "movies"
  FOR EACH ROW WHEN (OLD.title_key IS DISTINCT FROM NEW.title_key) EXECUTE FUNCTION catalog_add_row_title_words();
