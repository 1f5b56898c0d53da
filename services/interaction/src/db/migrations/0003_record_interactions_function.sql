-- Records a batch of interactions (live PUTs that share one commit, or an admin import) in one round trip, and
-- keeps row-level security per user while doing it. The batch comes grouped by owner:
--   [{ "owner": <user id>, "rows": [{ idx, user_id, movie_id, interaction_type, rating, feedback_type,
--                                     feedback_comment, source, at }, ...] }, ...]
-- For each group the function sets marquee.user_id to that owner (transaction-local) before the group's one
-- statement runs, so the table's policy checks every row that statement reads, inserts, updates or deletes
-- against that single user: a row of another user (a wrong user_id in the group, an ON CONFLICT that would
-- update someone else's row, a delete reaching past its keys) is invisible or refused (42501), and the whole
-- batch rolls back. A setting listing every user of the batch would not do: one user's rows could then
-- reach another batched user's. Callers pass as owner the user id of the verified token the rows came from.
-- The statement's plan is cached for the connection (PL/pgSQL), so a group costs an execution, not a parse and
-- plan. Every access to the table in it is a key lookup, written as one (LATERAL per row), and enable_seqscan is
-- off inside it: a plan cached while the table's statistics still said "empty" (a new database, before
-- autoanalyze) chose to hash-join against a whole-table scan, run per group: measured, 2 ms of PostgreSQL CPU
-- per PUT, growing with the table. Returns, per input row: idx, kind (unknown: movie not in known_movies; created; changed; unchanged:
-- nothing to write), the previous rating and the row (written, or stored when unchanged); then one row of kind
-- displaced (idx null) per like or dislike the other one removed. marquee.user_id is restored at the end.
CREATE FUNCTION record_interactions(batch jsonb)
RETURNS TABLE (idx int, kind text, previous int, "row" jsonb)
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  grp jsonb;
  prior text := current_setting('marquee.user_id', true);
BEGIN
  FOR grp IN SELECT value FROM jsonb_array_elements(batch) LOOP
    PERFORM set_config('marquee.user_id', grp->>'owner', true);
    RETURN QUERY
    WITH input AS (
      SELECT r.*, coalesce(r.at, clock_timestamp()) AS stamp
      FROM jsonb_to_recordset(grp->'rows') AS r(idx int, user_id uuid, movie_id int, interaction_type text,
        rating smallint, feedback_type text, feedback_comment text, source text, at timestamptz)
    ),
    known AS (
      -- Probes the primary key per movie (a join would scan every known movie).
      SELECT k.movie_id FROM known_movies k WHERE k.movie_id = ANY (ARRAY(SELECT i.movie_id FROM input i))
    ),
    prev AS (
      -- LATERAL: one key lookup per input row, whatever the table's statistics say (see above).
      SELECT i.idx, p.* FROM input i CROSS JOIN LATERAL (
        SELECT * FROM user_movie_interactions s
        WHERE s.user_id = i.user_id AND s.movie_id = i.movie_id AND s.interaction_type = i.interaction_type
        LIMIT 1 -- the key is unique; the LIMIT keeps the planner from flattening this into a join
      ) p
    ),
    up AS (
      INSERT INTO user_movie_interactions AS u
        (user_id, movie_id, interaction_type, rating, feedback_type, feedback_comment, source, created_at, updated_at)
      SELECT i.user_id, i.movie_id, i.interaction_type, i.rating, i.feedback_type, i.feedback_comment, i.source,
        i.stamp, i.stamp
      FROM input i WHERE i.movie_id IN (SELECT movie_id FROM known)
      ORDER BY i.idx
      ON CONFLICT (user_id, movie_id, interaction_type) DO UPDATE SET
        rating = excluded.rating, feedback_type = excluded.feedback_type, feedback_comment = excluded.feedback_comment,
        source = excluded.source, updated_at = excluded.updated_at
      WHERE excluded.updated_at >= u.updated_at AND (
        (u.rating, u.feedback_type, u.feedback_comment, u.source)
          IS DISTINCT FROM (excluded.rating, excluded.feedback_type, excluded.feedback_comment, excluded.source)
        OR (u.interaction_type = 'view' AND excluded.updated_at > u.updated_at))
      RETURNING u.*, (u.xmax = 0) AS inserted
    ),
    displaced AS (
      -- Like and dislike exclude each other: a written one deletes the other (the batch never holds both).
      DELETE FROM user_movie_interactions d
      WHERE d.id IN (
        SELECT o.id FROM up CROSS JOIN LATERAL (
          SELECT s.id FROM user_movie_interactions s
          WHERE s.user_id = up.user_id AND s.movie_id = up.movie_id
            AND s.interaction_type = CASE up.interaction_type WHEN 'like' THEN 'dislike' ELSE 'like' END
          LIMIT 1
        ) o
        WHERE up.interaction_type IN ('like', 'dislike'))
      RETURNING d.*
    )
    SELECT i.idx,
      CASE WHEN i.movie_id NOT IN (SELECT movie_id FROM known) THEN 'unknown'
        WHEN up.id IS NULL THEN 'unchanged' WHEN up.inserted THEN 'created' ELSE 'changed' END,
      p.rating::int,
      CASE WHEN up.id IS NOT NULL THEN
        jsonb_build_object('id', up.id, 'userId', up.user_id, 'movieId', up.movie_id, 'type', up.interaction_type,
          'rating', up.rating, 'feedbackType', up.feedback_type, 'feedbackComment', up.feedback_comment,
          'source', up.source, 'createdAt', up.created_at, 'updatedAt', up.updated_at)
      WHEN p.id IS NOT NULL THEN
        jsonb_build_object('id', p.id, 'userId', p.user_id, 'movieId', p.movie_id, 'type', p.interaction_type,
          'rating', p.rating, 'feedbackType', p.feedback_type, 'feedbackComment', p.feedback_comment,
          'source', p.source, 'createdAt', p.created_at, 'updatedAt', p.updated_at)
      END
    FROM input i
    LEFT JOIN up ON up.user_id = i.user_id AND up.movie_id = i.movie_id AND up.interaction_type = i.interaction_type
    LEFT JOIN prev p ON p.idx = i.idx
    UNION ALL
    SELECT NULL::int, 'displaced', NULL::int,
      jsonb_build_object('id', d.id, 'userId', d.user_id, 'movieId', d.movie_id, 'type', d.interaction_type,
        'rating', d.rating, 'feedbackType', d.feedback_type, 'feedbackComment', d.feedback_comment,
        'source', d.source, 'createdAt', d.created_at, 'updatedAt', d.updated_at)
    FROM displaced d;
  END LOOP;
  PERFORM set_config('marquee.user_id', coalesce(prior, ''), true);
END
$$;
