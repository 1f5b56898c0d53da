-- record_interactions, cheaper, with the same security property: every statement that reads, inserts, updates
-- or deletes user_movie_interactions runs with marquee.user_id set to one owner alone, so the table's policy
-- checks each row it touches against that user (a row of user A can never reach user B's rows, even when B's
-- rows are in the same batch: A's statement runs with B invisible and unwritable). Input as in 0003:
--   [{ "owner": <user id>, "rows": [{ idx, user_id, movie_id, interaction_type, rating, feedback_type,
--                                     feedback_comment, source, at }, ...] }, ...]
-- What changed, measured (PostgreSQL backend CPU per row, 20-user batches of views, alternating runs on the
-- busy 2-core machine): 0003 ~175-200 µs, this ~105-135 µs (one user of 20 rows in one 0003 statement: ~55 µs,
-- the floor of a set-based statement). 0003 ran one big statement per owner (five CTEs, jsonb rows); its fixed
-- cost per execution (executor start of ~30 plan nodes, the table's six CHECK expressions read back from their
-- stored form, hash tables, building jsonb) dwarfed the row's own work, and a live batch is ~20 owners of one
-- row each. Now each row is one small upsert under its owner's scope:
--   * the known-movie check is part of the upsert (INSERT ... SELECT ... WHERE EXISTS known_movies key);
--   * the previous rating comes from the upsert's RETURNING (a subquery there reads the statement's snapshot,
--     i.e. the row as it was before this statement), only for a rating that changed; no separate read;
--   * a like or dislike that was written deletes the other one (displaced), as that owner;
--   * only a row the upsert did not write is read back (unchanged) or reported unknown;
--   * rows come back as columns in InteractionRow's shape (no jsonb to build and parse).
-- A setting naming every user of the batch at once would have let one statement run the whole batch, but then
-- the policy could only check "some user of the batch": a row of A could read, update or delete B's rows. The
-- policy sees only the target row and the settings, never which input row led there. A per-row tag does not
-- fix that: one the statement can read (a setting, a table of the application role) it can copy onto another
-- row; an HMAC under a key only the owner role reads would bind the rows written (stored in a column of every
-- row, checked by WITH CHECK), but the prior-row reads, the ON CONFLICT target and the like/dislike deletes are
-- checked by USING against the stored row alone, which carries no trace of the input row that reached it. One
-- statement per owner is what lets PostgreSQL, not the SQL text, hold the line (test/row-level-security.test.ts
-- tries both: a row naming another user of the same batch, as an insert and as an update of that user's row).
-- The scope (marquee.user_id) is restored at the end. enable_seqscan stays off inside (see 0003).
DROP FUNCTION record_interactions(jsonb);--> statement-breakpoint
CREATE FUNCTION record_interactions(batch jsonb)
RETURNS TABLE (idx int, kind text, previous int, id bigint, "userId" uuid, "movieId" int, type text, rating int,
  "feedbackType" text, "feedbackComment" text, source text, "createdAt" text, "updatedAt" text)
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
DECLARE
  r record;
  w record;
  scope text;
  prior text := current_setting('marquee.user_id', true);
BEGIN
  FOR r IN
    SELECT g.value->>'owner' AS owner, x.*, coalesce(x.at, clock_timestamp()) AS stamp
    FROM jsonb_array_elements(batch) g,
      jsonb_to_recordset(g.value->'rows') AS x(idx int, user_id uuid, movie_id int, interaction_type text,
        rating smallint, feedback_type text, feedback_comment text, source text, at timestamptz)
  LOOP
    IF scope IS DISTINCT FROM r.owner THEN
      PERFORM set_config('marquee.user_id', r.owner, true);
      scope := r.owner;
    END IF;
    INSERT INTO user_movie_interactions AS u
      (user_id, movie_id, interaction_type, rating, feedback_type, feedback_comment, source, created_at, updated_at)
    SELECT r.user_id, r.movie_id, r.interaction_type, r.rating, r.feedback_type, r.feedback_comment, r.source,
      r.stamp, r.stamp
    WHERE EXISTS (SELECT FROM known_movies k WHERE k.movie_id = r.movie_id)
    ON CONFLICT (user_id, movie_id, interaction_type) DO UPDATE SET
      rating = excluded.rating, feedback_type = excluded.feedback_type, feedback_comment = excluded.feedback_comment,
      source = excluded.source, updated_at = excluded.updated_at
    WHERE excluded.updated_at >= u.updated_at AND (
      (u.rating, u.feedback_type, u.feedback_comment, u.source)
        IS DISTINCT FROM (excluded.rating, excluded.feedback_type, excluded.feedback_comment, excluded.source)
      OR (u.interaction_type = 'view' AND excluded.updated_at > u.updated_at))
    RETURNING u.id, u.user_id, u.movie_id, u.interaction_type, u.rating, u.feedback_type, u.feedback_comment,
      u.source, u.created_at, u.updated_at, u.xmax = 0 AS inserted,
      CASE WHEN u.interaction_type = 'rating' AND u.xmax <> 0 THEN
        (SELECT o.rating FROM user_movie_interactions o WHERE o.id = u.id) END AS before
    INTO w;
    IF FOUND THEN
      kind := CASE WHEN w.inserted THEN 'created' ELSE 'changed' END;
      previous := w.before;
    ELSIF NOT EXISTS (SELECT FROM known_movies k WHERE k.movie_id = r.movie_id) THEN
      kind := 'unknown';
    ELSE
      kind := 'unchanged';
      SELECT s.id, s.user_id, s.movie_id, s.interaction_type, s.rating, s.feedback_type, s.feedback_comment,
        s.source, s.created_at, s.updated_at, s.rating AS before
      INTO w FROM user_movie_interactions s
      WHERE s.user_id = r.user_id AND s.movie_id = r.movie_id AND s.interaction_type = r.interaction_type;
      previous := w.before;
    END IF;
    idx := r.idx;
    IF kind = 'unknown' OR w.id IS NULL THEN
      id := NULL; "userId" := NULL; "movieId" := NULL; type := NULL; rating := NULL; "feedbackType" := NULL;
      "feedbackComment" := NULL; source := NULL; "createdAt" := NULL; "updatedAt" := NULL; previous := NULL;
    ELSE
      id := w.id; "userId" := w.user_id; "movieId" := w.movie_id; type := w.interaction_type; rating := w.rating;
      "feedbackType" := w.feedback_type; "feedbackComment" := w.feedback_comment; source := w.source;
      "createdAt" := to_json(w.created_at) #>> '{}'; "updatedAt" := to_json(w.updated_at) #>> '{}';
    END IF;
    RETURN NEXT;
    IF kind IN ('created', 'changed') AND r.interaction_type IN ('like', 'dislike') THEN
      -- Like and dislike exclude each other: the one written deletes the other (the batch never holds both).
      FOR w IN
        DELETE FROM user_movie_interactions d
        WHERE d.user_id = r.user_id AND d.movie_id = r.movie_id
          AND d.interaction_type = CASE r.interaction_type WHEN 'like' THEN 'dislike' ELSE 'like' END
        RETURNING d.*
      LOOP
        idx := NULL; kind := 'displaced'; previous := NULL;
        id := w.id; "userId" := w.user_id; "movieId" := w.movie_id; type := w.interaction_type; rating := w.rating;
        "feedbackType" := w.feedback_type; "feedbackComment" := w.feedback_comment; source := w.source;
        "createdAt" := to_json(w.created_at) #>> '{}'; "updatedAt" := to_json(w.updated_at) #>> '{}';
        RETURN NEXT;
      END LOOP;
    END IF;
  END LOOP;
  PERFORM set_config('marquee.user_id', coalesce(prior, ''), true);
END
$$;
