/**
 * How log rows become daily metrics, as SQL over rows shaped (action_type, movie_id, day, user_id, rating,
 * algorithm, variant, n), n being the impressions a row stands for (a list's length, else 1). The ingest applies it
 * to the rows a batch inserted, the recompute command to a whole day of the log (each list expanded into one row
 * per movie, n = 1): one text for both, so they cannot drift apart. A list's recommendation_count per movie is the
 * exception: the ingest queues it (impressions_pending) and src/jobs/fold-impressions.ts counts it a few seconds
 * later; the recompute counts what is still queued as stored.
 */

/** popularity_metrics columns, from rows with a movie. */
export const POPULARITY_COUNTS = `
  count(*) filter (where action_type = 'movie_view') as view_count,
  count(*) filter (where action_type = 'movie_like') as like_count,
  count(*) filter (where action_type = 'rating_submit' and rating is not null) as rating_count,
  coalesce(sum(rating) filter (where action_type = 'rating_submit'), 0) as rating_sum,
  count(*) filter (where action_type = 'recommendation_impression') as recommendation_count,
  count(*) filter (where action_type = 'recommendation_click') as click_count`;

/** A movie-day gets a row only when some row counted toward it. */
export const POPULARITY_HAVING = `
  count(*) filter (where action_type in ('movie_view', 'movie_like', 'recommendation_impression', 'recommendation_click')
                   or (action_type = 'rating_submit' and rating is not null)) > 0`;

/** recommendation_ctr_daily columns, from impressions and clicks that name their algorithm. */
export const CTR_COUNTS = `
  coalesce(sum(n) filter (where action_type = 'recommendation_impression'), 0) as impressions,
  count(*) filter (where action_type = 'recommendation_click') as clicks`;

/** daily_activity.events: each impression counts as an event, as when a list was a row per movie. */
export const EVENT_COUNT = 'sum(n)';

export const CTR_ROWS = `action_type in ('recommendation_impression', 'recommendation_click') and algorithm is not null`;

/**
 * A list of impressions is one log row (movie_id null, its movies in metadata.movieIds; a movie deleted since is a
 * null there): as a jsonb array in an `ids` column beside the shape above, null for every other row.
 */
export const LIST_IDS = `case when action_type = 'recommendation_impression' and movie_id is null
  and jsonb_typeof(metadata->'movieIds') = 'array' then metadata->'movieIds' end`;

/** The log rows that `where` selects as metric rows, each list expanded into one impression per movie (a subquery). */
export const logAsMetricRows = (where: string) => `
  with r as (
    select action_type, movie_id, (occurred_at at time zone 'UTC')::date as day, user_id,
           (metadata->>'rating')::int as rating, metadata->>'algorithm' as algorithm,
           coalesce(metadata->>'variant', '') as variant, ${LIST_IDS} as ids
      from user_activity_logs where ${where}
  )
  select action_type, movie_id, day, user_id, rating, algorithm, variant, 1 as n from r where ids is null
  union all
  select r.action_type, (v #>> '{}')::int4, r.day, r.user_id, r.rating, r.algorithm, r.variant, 1
    from r cross join lateral jsonb_array_elements(r.ids) as v where r.ids is not null`;
