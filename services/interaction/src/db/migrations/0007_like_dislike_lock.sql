-- record_interactions as in 0005, with one fix: a like and a dislike of one movie by one user, written by two
-- transactions at once, both stood. The row written deletes the other type (0005), but under READ COMMITTED each
-- transaction's DELETE missed the other's row, not committed yet; the write batcher runs several batches at once,
-- and an import runs beside live PUTs, so a like in one and a dislike in another both committed (CI caught it:
-- services/interaction/test/interactions-api.test.ts, "exactly one of them stands", 2 found). Each batch now first
-- takes a transaction advisory lock per (user, movie) that it likes or dislikes; the second waits for the first's
-- commit, and its DELETE, a later statement with a fresh snapshot, sees and displaces the first's row. Other types
-- (views, ratings, the bulk of the traffic) take no lock.
CREATE OR REPLACE FUNCTION record_interactions(batch jsonb)
RETURNS TABLE (idx int, kind text, previous int, id bigint, "userId" uuid, "movieId" int, type text, rating int,
  "feedbackType" text, "feedbackComment" text, source text, "createdAt" text, "updatedAt" text)
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
DECLARE
  r record;
  w record;
  scope text;
  prior text := current_setting('marquee.user_id', true);
BEGIN
  -- The batch's (user, movie) pairs it likes or dislikes, locked in one order (no deadlock between batches) until
  -- the commit: see the header. Two ints, so apart from the single-key advisory locks (migrations, the relay).
  PERFORM pg_advisory_xact_lock(l.user_key, l.movie_id)
  FROM (
    SELECT DISTINCT hashtext(x.user_id::text) AS user_key, x.movie_id
    FROM jsonb_array_elements(batch) g,
      jsonb_to_recordset(g.value->'rows') AS x(user_id uuid, movie_id int, interaction_type text)
    WHERE x.interaction_type IN ('like', 'dislike')
    ORDER BY 1, 2
  ) l;
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
