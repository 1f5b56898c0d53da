import { publishJson, Subjects } from '@marquee/platform-bus';
import type { Tx } from '@marquee/platform-db';
import type { RecommendationContext } from '../context';
import { type AfterCommit, cacheLists, computeLists, lockUsers, type StoredList } from './compute-lists';
import { queueLists, storeLists } from './store-lists';

/**
 * Recomputes one user's stored list for their variant (fold-in against the current model): queues the user for
 * user_recommendations and recommendations.generated (the list stored and published in this transaction when
 * RECOMMENDATION_STORE_DELAY_MS is 0, computed again and stored by the store job once it has waited otherwise);
 * once that commits, caches the list in Redis and pushes live.user.<id> — so neither Redis nor a client ever sees a
 * list the database then rolls back.
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
 * them (locks, state, markers), the fold-in itself once per user.
 */
export async function refreshUsers(
  ctx: RecommendationContext,
  tx: Tx,
  userIds: string[],
  afterCommit: AfterCommit,
): Promise<StoredList[]> {
  if (userIds.length === 0) return [];
  // One refresh or store per user at a time (fold-in vs. a first read, a store), before any marker is written.
  const sorted = await lockUsers(tx, userIds);
  const lists = await computeLists(ctx, tx, sorted);
  // The lists wait to be written into user_recommendations and published as recommendations.generated: the users
  // are marked, and the store computes their lists again when it writes them (store-lists.ts: a user's fold-ins
  // within the store delay store and publish one list). With no delay these lists are stored here and now. Redis and
  // the live push below have them at once.
  if (ctx.config.RECOMMENDATION_STORE_DELAY_MS === 0) await storeLists(tx, lists);
  else await queueLists(tx, sorted);
  afterCommit(async () => {
    // Not waited for while Redis is not up: the key is deleted once it is back (ListCache), so no older list stays.
    await cacheLists(ctx, lists);
    for (const l of lists)
      publishJson(ctx.nats, `${ctx.config.NATS_SUBJECT_PREFIX}${Subjects.liveUser(l.userId)}`, {
        type: 'recommendations.updated',
        algorithm: l.algorithm,
        variant: l.variant,
        generatedAt: l.generatedAt,
        count: l.items.length,
      });
  });
  const byUser = new Map(lists.map((l) => [l.userId, l]));
  return userIds.map((id) => byUser.get(id)!);
}
