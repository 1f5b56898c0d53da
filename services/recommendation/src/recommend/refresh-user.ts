import { publishJson, Subjects } from '@marquee/platform-bus';
import type { Tx } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { type AlgorithmName, assignVariant } from '../domain/experiments';
import { computeRecommendations, type Recommendation, type UserState } from './compute';
import { encodeStoredList } from './stored-value';
import { queueLists, storeWaitingLists } from './store-lists';

export interface StoredList {
  userId: string;
  algorithm: AlgorithmName;
  variant: string;
  generatedAt: string;
  items: Recommendation[];
}

export const cacheKey = (ctx: RecommendationContext, userId: string) => `${ctx.config.CACHE_KEY_PREFIX}list:${userId}`;

/** The user's feedback and favourite genres, read inside the caller's (user-scoped or all-users) transaction. */
export async function loadUserState(tx: Tx, userId: string): Promise<UserState> {
  return (await loadUserStates(tx, [userId]))[0]!;
}

/** Several users' states in two queries (one for feedback, one for profiles), in the order asked. */
export async function loadUserStates(tx: Tx, userIds: string[]): Promise<UserState[]> {
  const ids = sql`${`{${userIds.join(',')}}`}::uuid[]`;
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

function cacheLists(ctx: RecommendationContext, lists: StoredList[]): Promise<void> {
  return ctx.lists.set(
    lists.map((l) => [cacheKey(ctx, l.userId), encodeStoredList(l, ctx.config.RECOMMENDATION_LIST_SIZE)]),
    ctx.config.RECOMMENDATION_CACHE_TTL_SECONDS,
  );
}

/** Registers work to run once the caller's transaction has committed. */
export type AfterCommit = (effect: () => Promise<void> | void) => void;

/**
 * Recomputes one user's stored list for their variant (fold-in against the current model): queues it for
 * user_recommendations and recommendations.generated (stored and published in this transaction when
 * RECOMMENDATION_STORE_DELAY_MS is 0, by the store job once it has waited otherwise); once that commits, caches the
 * list in Redis and pushes live.user.<id> — so neither Redis nor a client ever sees a list the database then rolls
 * back.
 */
export async function refreshUser(
  ctx: RecommendationContext,
  tx: Tx,
  userId: string,
  afterCommit: AfterCommit,
): Promise<StoredList> {
  return (await refreshUsers(ctx, tx, [userId], afterCommit))[0]!;
}

/**
 * refreshUser for several users at once (the consumer's chunk): the same writes, each statement once for all of
 * them (locks, state, queue), the fold-in itself once per user.
 */
export async function refreshUsers(
  ctx: RecommendationContext,
  tx: Tx,
  userIds: string[],
  afterCommit: AfterCommit,
): Promise<StoredList[]> {
  if (userIds.length === 0) return [];
  // One refresh per user at a time (fold-in vs. a first read): the later one reads the earlier one's commit, so
  // an older list never overwrites a newer one in Redis. Taken in one order, so two batches never deadlock.
  const sorted = [...new Set(userIds)].sort();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(u)) from unnest(${`{${sorted.join(',')}}`}::text[]) as u`);
  const states = await loadUserStates(tx, sorted);
  const genreNames = await ctx.genreNames();
  const generatedAt = new Date().toISOString();
  const lists = states.map((state): StoredList => {
    const variant = assignVariant(ctx.variants, state.userId, ctx.config.RECOMMENDATION_EXPERIMENT_SALT);
    const items = computeRecommendations(
      ctx.store,
      state,
      { algorithm: variant.algorithm, variant, limit: ctx.config.RECOMMENDATION_LIST_SIZE },
      genreNames,
    );
    return { userId: state.userId, algorithm: variant.algorithm, variant: variant.variant, generatedAt, items };
  });
  // The lists wait to be written into user_recommendations and published as recommendations.generated
  // (store-lists.ts: a user's fold-ins within the store delay store and publish one list); Redis and the live push
  // below have them at once.
  await queueLists(tx, lists);
  if (ctx.config.RECOMMENDATION_STORE_DELAY_MS === 0) await storeWaitingLists(tx, { users: sorted });
  afterCommit(async () => {
    // Not waited for while Redis is not up: the key is deleted once it is back (ListCache), so no older list stays.
    await cacheLists(ctx, lists);
    for (const l of lists)
      publishJson(ctx.nats, `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.liveUser(l.userId)}`, {
        type: 'recommendations.updated',
        algorithm: l.algorithm,
        variant: l.variant,
        generatedAt,
        count: l.items.length,
      });
  });
  const byUser = new Map(lists.map((l) => [l.userId, l]));
  return userIds.map((id) => byUser.get(id)!);
}
