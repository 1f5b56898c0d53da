import { RecommendationsGenerated } from '@marquee/contracts';
import { publishJson, Subjects } from '@marquee/platform-bus';
import type { Tx } from '@marquee/platform-db';
import { recordEvent } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { assignVariant } from '../domain/experiments';
import { computeRecommendations, type Recommendation, type UserState } from './compute';

export interface StoredList {
  userId: string;
  algorithm: string;
  variant: string;
  generatedAt: string;
  items: Recommendation[];
}

export const cacheKey = (ctx: RecommendationContext, userId: string) => `${ctx.config.CACHE_KEY_PREFIX}list:${userId}`;

/** The user's feedback and favourite genres, read inside the caller's (user-scoped or all-users) transaction. */
export async function loadUserState(tx: Tx, userId: string): Promise<UserState> {
  const feedback = await tx.execute<{ movie_id: number; weight: number }>(
    sql`select movie_id, sum(weight)::real as weight from rec_feedback where user_id = ${userId} group by movie_id`,
  );
  const profile = await tx.execute<{ favorite_genres: number[] }>(
    sql`select favorite_genres from rec_users where user_id = ${userId}`,
  );
  return {
    userId,
    feedback: feedback.rows.map((r) => ({ movieId: r.movie_id, weight: Math.max(-1, Math.min(1, r.weight)) })),
    favoriteGenres: profile.rows[0]?.favorite_genres ?? [],
  };
}

/** Registers work to run once the caller's transaction has committed. */
export type AfterCommit = (effect: () => Promise<void> | void) => void;

/**
 * Recomputes one user's stored list for their variant (fold-in against the current model): replaces their rows and
 * records recommendations.generated in the same transaction; once that commits, caches the list in Redis and
 * pushes live.user.<id> — so neither Redis nor a client ever sees a list the database then rolls back.
 */
export async function refreshUser(
  ctx: RecommendationContext,
  tx: Tx,
  userId: string,
  afterCommit: AfterCommit,
): Promise<StoredList> {
  // One refresh per user at a time (fold-in vs. a first read): the later one reads the earlier one's commit, so
  // an older list never overwrites a newer one in Redis.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${userId}))`);
  const variant = assignVariant(ctx.variants, userId, ctx.config.RECOMMENDATION_EXPERIMENT_SALT);
  const state = await loadUserState(tx, userId);
  const items = computeRecommendations(
    ctx.store,
    state,
    { algorithm: variant.algorithm, variant, limit: ctx.config.RECOMMENDATION_LIST_SIZE },
    await ctx.genreNames(),
  );
  const generatedAt = new Date().toISOString();
  await tx.execute(
    sql`delete from user_recommendations where user_id = ${userId} and algorithm = ${variant.algorithm}`,
  );
  if (items.length > 0)
    await tx.execute(sql`
      insert into user_recommendations (user_id, movie_id, score, algorithm, variant, rank, reason, generated_at)
      select ${userId}::uuid, t."movieId", t.score, ${variant.algorithm}, ${variant.variant}, t.rank, t.reason,
        ${generatedAt}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as t("movieId" int, score real, rank int, reason text)
      on conflict (user_id, movie_id, algorithm) do update set score = excluded.score, variant = excluded.variant,
        rank = excluded.rank, reason = excluded.reason, generated_at = excluded.generated_at`);
  await recordEvent(tx, RecommendationsGenerated, userId, {
    userId,
    algorithm: variant.algorithm,
    variant: variant.variant,
    generatedAt,
    items: items.map((i) => ({ movieId: i.movieId, score: i.score, rank: i.rank })),
  });
  const list: StoredList = { userId, algorithm: variant.algorithm, variant: variant.variant, generatedAt, items };
  afterCommit(async () => {
    await ctx.redis.set(cacheKey(ctx, userId), JSON.stringify(list), 'EX', ctx.config.RECOMMENDATION_CACHE_TTL_SECONDS);
    publishJson(ctx.nats, `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.liveUser(userId)}`, {
      type: 'recommendations.updated',
      algorithm: variant.algorithm,
      variant: variant.variant,
      generatedAt,
      count: items.length,
    });
  });
  return list;
}
