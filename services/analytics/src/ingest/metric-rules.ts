/**
 * How log rows become daily metrics, as SQL over rows shaped (action_type, movie_id, day, user_id, rating,
 * algorithm, variant). The ingest applies it to the rows a batch inserted, the recompute command to a whole
 * day of the log: one text for both, so they cannot drift apart.
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
  count(*) filter (where action_type = 'recommendation_impression') as impressions,
  count(*) filter (where action_type = 'recommendation_click') as clicks`;

export const CTR_ROWS = `action_type in ('recommendation_impression', 'recommendation_click') and algorithm is not null`;

/** The shape above, read from the log itself. */
export const LOG_AS_METRIC_ROWS = `
  select action_type, movie_id, (occurred_at at time zone 'UTC')::date as day, user_id,
         (metadata->>'rating')::int as rating, metadata->>'algorithm' as algorithm,
         coalesce(metadata->>'variant', '') as variant
    from user_activity_logs`;
