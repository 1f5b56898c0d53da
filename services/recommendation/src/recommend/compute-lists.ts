import { arrayLiteral, type Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { type AlgorithmName, assignVariant } from '../domain/experiments';
import { computeRecommendations, type Recommendation, type UserState } from './compute';
import { encodeStoredList } from './stored-value';

export interface StoredList {
  userId: string;
  algorithm: AlgorithmName;
  variant: string;
  generatedAt: string;
  items: Recommendation[];
}

/** Registers work to run once the caller's transaction has committed. */
export type AfterCommit = (effect: () => Promise<void> | void) => void;

/** A uuid[] parameter of these user ids. */
export const uuids = (userIds: string[]) => sql`${arrayLiteral(userIds)}::uuid[]`;

export const cacheKey = (ctx: RecommendationContext, userId: string) => `${ctx.config.CACHE_KEY_PREFIX}list:${userId}`;

/** The user's feedback and favourite genres, read inside the caller's (user-scoped or all-users) transaction. */
export async function loadUserState(tx: Tx, userId: string): Promise<UserState> {
  return (await loadUserStates(tx, [userId]))[0]!;
}

/** Several users' states in two queries (one for feedback, one for profiles), in the order asked. */
export async function loadUserStates(tx: Tx, userIds: string[]): Promise<UserState[]> {
  const ids = uuids(userIds);
  const feedback = await tx.execute<{ user_id: string; movie_id: number; weight: number }>(
    sql`select user_id, movie_id, sum(weight)::real as weight from rec_feedback where user_id = any(${ids})
        group by user_id, movie_id`,
  );
  const profiles = await tx.execute<{ user_id: string; favorite_genres: number[] }>(
    sql`select user_id, favorite_genres from rec_users where user_id = any(${ids})`,
  );
  const states = new Map<string, UserState>(
    userIds.map((userId) => [userId, { userId, feedback: [], favoriteGenres: [] }]),
  );
  for (const r of feedback.rows)
    states.get(r.user_id)?.feedback.push({ movieId: r.movie_id, weight: Math.max(-1, Math.min(1, r.weight)) });
  for (const r of profiles.rows) {
    const state = states.get(r.user_id);
    if (state) state.favoriteGenres = r.favorite_genres;
  }
  return userIds.map((id) => states.get(id)!);
}

/**
 * Takes these users' fold-in locks (sorted, distinct) for the rest of the caller's transaction: one fold-in or store
 * of a user at a time, the later one reading the earlier one's commit, so an older list never overwrites a newer one
 * in Redis. Always taken in one order, so two transactions locking several users never deadlock.
 */
export async function lockUsers(tx: Tx, userIds: string[]): Promise<string[]> {
  const sorted = [...new Set(userIds)].sort();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(u)) from unnest(${arrayLiteral(sorted)}::text[]) as u`);
  return sorted;
}

/**
 * Computes these users' lists for their variants against the current model (the fold-in), from their state as the
 * caller's transaction reads it, in the order given.
 */
export async function computeLists(ctx: RecommendationContext, tx: Tx, userIds: string[]): Promise<StoredList[]> {
  const states = await loadUserStates(tx, userIds);
  const genreNames = await ctx.genreNames();
  const generatedAt = new Date().toISOString();
  return states.map((state): StoredList => {
    const variant = assignVariant(ctx.variants, state.userId, ctx.config.RECOMMENDATION_EXPERIMENT_SALT);
    const items = computeRecommendations(
      ctx.store,
      state,
      { algorithm: variant.algorithm, variant, limit: ctx.config.RECOMMENDATION_LIST_SIZE, keep: ctx.keepsFoldIns },
      genreNames,
    );
    return { userId: state.userId, algorithm: variant.algorithm, variant: variant.variant, generatedAt, items };
  });
}

export function cacheLists(ctx: RecommendationContext, lists: StoredList[]): Promise<void> {
  return ctx.lists.set(
    lists.map((l) => [cacheKey(ctx, l.userId), encodeStoredList(l, ctx.config.RECOMMENDATION_LIST_SIZE)]),
    ctx.config.RECOMMENDATION_CACHE_TTL_SECONDS,
  );
}

/**
 * Runs `work` (a transaction, given an afterCommit to register effects with) and then, once it has committed, the
 * effects it registered (a click, an export, the store job). A failing effect is logged, not thrown: what it follows
 * is committed, and a list Redis did not take is deleted there once it is back (ListCache).
 */
export async function withEffectsAfterCommit<T>(
  ctx: RecommendationContext,
  work: (afterCommit: AfterCommit) => Promise<T>,
): Promise<T> {
  const effects: Array<() => Promise<void> | void> = [];
  const result = await work((effect) => effects.push(effect));
  for (const effect of effects)
    await Promise.resolve()
      .then(effect)
      .catch((err) => ctx.logger.warn({ err }, 'a stored recommendation list was not cached after its commit'));
  return result;
}
