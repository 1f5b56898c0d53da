import { sql } from 'drizzle-orm';

/** Columns of user_movie_interactions (alias u) in InteractionRow's shape; times as ISO-8601 text. */
export const ROW_COLUMNS = sql.raw(`u.id::int as id, u.user_id as "userId", u.movie_id as "movieId",
  u.interaction_type as type, u.rating::int as rating, u.feedback_type as "feedbackType",
  u.feedback_comment as "feedbackComment", u.source,
  to_json(u.created_at) #>> '{}' as "createdAt", to_json(u.updated_at) #>> '{}' as "updatedAt"`);
