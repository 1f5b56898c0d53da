import { publishJson, Subjects } from '@marquee/platform-bus';
import type { Tx } from '@marquee/platform-db';
import type { RecommendationContext } from '../context';
import { sql } from 'drizzle-orm';
import { type AfterCommit, cacheLists, computeLists, lockUsers, type StoredList, uuids } from './compute-lists';
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
 * refreshUser for several users at once: the same writes, each statement once for all of them (locks, state,
 * markers), the fold-in itself once per user.
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
  const lists = await foldIn(ctx, tx, sorted, sorted, afterCommit);
  const byUser = new Map(lists.map((l) => [l.userId, l]));
  return userIds.map((id) => byUser.get(id)!);
}

/**
 * The consumer's fold-ins of a chunk's users, paced (ctx.pacer, RECOMMENDATION_FOLD_IN_INTERVAL_MS): every user's
 * lock and marker, the fold-in of those not folded in within the interval; the others' fold-ins wait for the paced
 * job (refreshWaitingUsers), and their markers make sure the store job computes their lists should this process
 * forget them. Returns how many were folded in and how many wait.
 */
export async function refreshConsumedUsers(
  ctx: RecommendationContext,
  tx: Tx,
  userIds: string[],
  afterCommit: AfterCommit,
): Promise<{ folded: number; waiting: number }> {
  if (userIds.length === 0) return { folded: 0, waiting: 0 };
  const sorted = await lockUsers(tx, userIds);
  const { now, later } = ctx.pacer.split(sorted, performance.now());
  await foldIn(ctx, tx, now, sorted, afterCommit);
  return { folded: now.length, waiting: later.length };
}

/**
 * The waiting fold-ins of these users (taken from ctx.pacer once due), of those whose list is still marked: a user
 * erased meanwhile has no marker (user.deleted removes it) and gets no list; one whose list the store job stored
 * meanwhile has none either, and the store wrote the list it computed after the consumer's commit into Redis.
 */
export async function refreshWaitingUsers(
  ctx: RecommendationContext,
  tx: Tx,
  userIds: string[],
  afterCommit: AfterCommit,
): Promise<number> {
  if (userIds.length === 0) return 0;
  const sorted = await lockUsers(tx, userIds);
  const marked = await tx.execute<{ user_id: string }>(
    sql`select user_id from rec_pending_lists where user_id = any(${uuids(sorted)})`,
  );
  const users = marked.rows.map((r) => r.user_id);
  await foldIn(ctx, tx, users, [], afterCommit);
  return users.length;
}

/**
 * Folds in these users (their locks held) and marks `mark`'s lists as waiting to be written into
 * user_recommendations and published as recommendations.generated: the store computes their lists again when it
 * writes them (store-lists.ts: a user's fold-ins within the store delay store and publish one list). With no delay
 * the lists are stored here and now. Redis and the live push have them once the transaction commits.
 */
async function foldIn(
  ctx: RecommendationContext,
  tx: Tx,
  userIds: string[],
  mark: string[],
  afterCommit: AfterCommit,
): Promise<StoredList[]> {
  const lists = userIds.length > 0 ? await computeLists(ctx, tx, userIds) : [];
  if (ctx.config.RECOMMENDATION_STORE_DELAY_MS === 0) await storeLists(tx, lists);
  else await queueLists(tx, mark);
  if (lists.length === 0) return lists;
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
  return lists;
}
