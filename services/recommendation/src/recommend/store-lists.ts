import { RecommendationsGenerated } from '@marquee/contracts';
import { type Tx, arrayLiteral } from '@marquee/platform-db';
import { pendingEvent, recordEvents } from '@marquee/platform-events';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import type { Recommendation } from './compute';
import { type AfterCommit, cacheLists, computeLists, lockUsers, type StoredList, uuids } from './compute-lists';

/**
 * Lists wait before they are written into user_recommendations (migration 0003 says why): a fold-in marks its users
 * in rec_pending_lists, and storeWaitingLists computes and writes the lists of users who have waited long enough, or
 * of given users before a click or an export reads the table. Only the marker waits (migration 0007 says why): the
 * list stored is the one computed when it is stored, the one Redis has unless the model retrained meanwhile.
 */

/**
 * Marks these users' lists as waiting (one statement, in user order). A user already waiting keeps their marker as
 * it is, pending since their first fold-in, so a user folded in again and again is still stored once the delay is
 * up, and the insert writes no row, no WAL.
 */
export async function queueLists(tx: Tx, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const sorted = [...new Set(userIds)].sort();
  await tx.execute(sql`
    insert into rec_pending_lists (user_id) select u from unnest(${uuids(sorted)}) as u
    on conflict (user_id) do nothing`);
}

/** Which waiting lists to store: these users' (waiting for any lock on them), or up to `limit` that waited `waitedMs`. */
export type Waiting = { users: string[] } | { waitedMs: number; limit: number };

export interface StoreResult {
  /** Lists taken off the queue and stored. */
  lists: number;
  /** user_recommendations rows inserted or rewritten (a row whose values stay is not rewritten). */
  rows: number;
}

const waitedAtLeast = (waitedMs: number) => sql`pending_since <= now() - make_interval(secs => ${waitedMs / 1000})`;

/** The users of up to `limit` lists that have waited `waitedMs`, the longest-waiting first. */
export async function dueUsers(tx: Tx, waitedMs: number, limit: number): Promise<string[]> {
  const due = await tx.execute<{ user_id: string }>(
    sql`select user_id from rec_pending_lists where ${waitedAtLeast(waitedMs)} order by pending_since limit ${limit}`,
  );
  return due.rows.map((r) => r.user_id);
}

/**
 * Takes waiting users off the queue, holding their fold-in locks (lockUsers) for the rest of the transaction, and
 * returns them sorted. The locks come before the markers' row locks, in the fold-ins' order: a fold-in holds its
 * users' locks while it inserts their markers, so a store that deleted a marker first and then waited for the lock
 * would deadlock with it. Given users are waited for; due users being folded in right now are skipped (try-locks) and
 * taken by a later run. Only markers still there are taken: a concurrent store may have taken some.
 */
export async function takeWaiting(tx: Tx, which: Waiting): Promise<string[]> {
  let users: string[];
  if ('users' in which) users = await lockUsers(tx, which.users);
  else {
    const due = [...new Set(await dueUsers(tx, which.waitedMs, which.limit))].sort();
    if (due.length === 0) return [];
    const locked = await tx.execute<{ u: string }>(
      sql`select u from unnest(${sql`${arrayLiteral(due)}::text[]`}) as u where pg_try_advisory_xact_lock(hashtext(u))`,
    );
    users = locked.rows.map((r) => r.u);
  }
  if (users.length === 0) return [];
  // The waited case checks the wait again: a marker taken by another store may have been queued anew meanwhile.
  const still = 'users' in which ? sql`` : sql` and ${waitedAtLeast(which.waitedMs)}`;
  const taken = await tx.execute<{ user_id: string }>(
    sql`delete from rec_pending_lists where user_id = any(${uuids(users)})${still} returning user_id`,
  );
  return taken.rows.map((r) => r.user_id).sort();
}

/**
 * Computes the lists of waiting users and writes them (storeLists), in the caller's transaction (which must see
 * every user's rows); once it commits, afterCommit caches the stored lists in Redis, so Redis and the table hold the
 * same list even when the model retrained since the fold-in that queued it. Taking a list deletes its marker, so a
 * list is stored once, and a fold-in meanwhile waits for this transaction's locks and marks its user again: lists
 * reach the table in their order.
 */
export async function storeWaitingLists(
  ctx: RecommendationContext,
  tx: Tx,
  which: Waiting,
  afterCommit: AfterCommit,
): Promise<StoreResult> {
  if ('users' in which && which.users.length === 0) return { lists: 0, rows: 0 };
  const users = await takeWaiting(tx, which);
  if (users.length === 0) return { lists: 0, rows: 0 };
  const lists = await computeLists(ctx, tx, users);
  const rows = await storeLists(tx, lists);
  // Not waited for while Redis is not up: the key is deleted once it is back (ListCache).
  afterCommit(() => cacheLists(ctx, lists));
  return { lists: lists.length, rows };
}

/**
 * Writes these lists into user_recommendations and records one recommendations.generated per list, in the caller's
 * transaction, and returns the rows inserted or rewritten. Rows that left a user's list go; a movie still on it keeps
 * its row, and so its clicked and clicked_at; a row whose score, rank, reason and variant are unchanged is not
 * rewritten, so a row's generated_at is when it last took its values. A movie deleted since its list was computed is
 * not written (its rows were deleted with it). Each column goes as one array literal, a list's arrays as literals
 * within it (parsed in a third less CPU than the same rows as JSON).
 *
 * The event is the stored list, not each fold-in's: a user's fold-ins within the store delay publish one list, the
 * one the table (and so a click) then holds. Each fold-in's event went through the outbox, Kafka and analytics
 * (which logs every list as impressions) and to notification: a user rating a film every few seconds counted a list
 * of 50 impressions per rating, none of them shown. Its correlation id is the store's own (it may follow several
 * interactions); with the delay at 0 it is stored, and so published, in the fold-in's transaction, as before.
 */
export async function storeLists(tx: Tx, lists: StoredList[]): Promise<number> {
  if (lists.length === 0) return 0;
  const sorted = [...lists].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const column = (of: (l: StoredList) => string) => arrayLiteral(sorted.map(of));
  const items = (of: (i: Recommendation) => string | number) => column((l) => arrayLiteral(l.items.map(of)));
  const result = await tx.execute<{ rows: number }>(sql`
    with p as (
      select t.u as user_id, t.a as algorithm, t.v as variant, t.g as generated_at, t.m::int[] as movie_ids,
        t.s::real[] as scores, t.k::int[] as ranks, t.r::text[] as reasons
      from unnest(${column((l) => l.userId)}::uuid[], ${column((l) => l.algorithm)}::text[],
        ${column((l) => l.variant)}::text[], ${column((l) => l.generatedAt)}::timestamptz[],
        ${items((i) => i.movieId)}::text[], ${items((i) => i.score)}::text[], ${items((i) => i.rank)}::text[],
        ${items((i) => i.reason)}::text[]) as t(u, a, v, g, m, s, k, r)
    ),
    leaving as (
      delete from user_recommendations r using p
      where r.user_id = p.user_id and r.algorithm = p.algorithm and r.movie_id <> all(p.movie_ids)
    ),
    stored as (
      insert into user_recommendations (user_id, movie_id, score, algorithm, variant, rank, reason, generated_at)
      select p.user_id, i.m, i.s, p.algorithm, p.variant, i.k, i.r, p.generated_at
      from p, unnest(p.movie_ids, p.scores, p.ranks, p.reasons) as i(m, s, k, r)
      where exists (select 1 from rec_movies m where m.movie_id = i.m)
      order by p.user_id, i.m
      on conflict (user_id, movie_id, algorithm) do update set score = excluded.score, variant = excluded.variant,
        rank = excluded.rank, reason = excluded.reason, generated_at = excluded.generated_at
      where (user_recommendations.score, user_recommendations.variant, user_recommendations.rank,
        user_recommendations.reason) is distinct from (excluded.score, excluded.variant, excluded.rank, excluded.reason)
      returning 1
    )
    select count(*)::int as rows from stored`);
  await recordEvents(
    tx,
    sorted.map((l) =>
      pendingEvent(RecommendationsGenerated, l.userId, {
        userId: l.userId,
        algorithm: l.algorithm,
        variant: l.variant,
        generatedAt: l.generatedAt,
        items: l.items.map(({ movieId, score, rank }) => ({ movieId, score, rank })),
      }),
    ),
  );
  return Number(result.rows[0]?.rows ?? 0);
}
