import { RecommendationsGenerated } from '@marquee/contracts';
import { type Tx, arrayLiteral } from '@marquee/platform-db';
import { pendingEvent, recordEvents } from '@marquee/platform-events';
import { type SQL, sql } from 'drizzle-orm';
import type { AlgorithmName } from '../domain/experiments';
import type { Recommendation } from './compute';
import type { StoredList } from './compute-lists';

/**
 * Lists wait in rec_pending_lists before they are written into user_recommendations (migration 0003 says why): a
 * fold-in replaces its user's waiting list, and storeWaitingLists writes the lists that have waited long enough,
 * or given users' lists before a click or an export reads the table.
 */

/**
 * Replaces these users' waiting lists with these (one statement; rows in user order, as fold-ins lock them). Each
 * column goes as one array literal, a list's arrays as literals within it: 75–80 µs of PostgreSQL CPU per list where
 * one JSON parameter through jsonb_to_recordset cost 118–123 (500 lists of 50 a statement).
 */
export async function queueLists(tx: Tx, lists: StoredList[]): Promise<void> {
  if (lists.length === 0) return;
  const sorted = [...lists].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const column = (of: (l: StoredList) => string) => arrayLiteral(sorted.map(of));
  const items = (of: (i: Recommendation) => string | number) => column((l) => arrayLiteral(l.items.map(of)));
  // pending_since is the first fold-in's: a user folded in again and again is still stored once the delay is up.
  await tx.execute(sql`
    insert into rec_pending_lists (user_id, algorithm, variant, generated_at, movie_ids, scores, ranks, reasons)
    select t.u, t.a, t.v, t.g, t.m::int[], t.s::real[], t.k::int[], t.r::text[]
    from unnest(${column((l) => l.userId)}::uuid[], ${column((l) => l.algorithm)}::text[],
      ${column((l) => l.variant)}::text[], ${column((l) => l.generatedAt)}::timestamptz[],
      ${items((i) => i.movieId)}::text[], ${items((i) => i.score)}::text[], ${items((i) => i.rank)}::text[],
      ${items((i) => i.reason)}::text[]) as t(u, a, v, g, m, s, k, r)
    on conflict (user_id) do update set algorithm = excluded.algorithm, variant = excluded.variant,
      generated_at = excluded.generated_at, movie_ids = excluded.movie_ids, scores = excluded.scores,
      ranks = excluded.ranks, reasons = excluded.reasons`);
}

/** Which waiting lists to store: these users' (waiting for any lock on them), or up to `limit` that waited `waitedMs`. */
export type Waiting = { users: string[] } | { waitedMs: number; limit: number };

export interface StoreResult {
  /** Lists taken off the queue and stored. */
  lists: number;
  /** user_recommendations rows inserted or rewritten (a row whose values stay is not rewritten). */
  rows: number;
}

/** The users of up to `limit` lists that have waited `waitedMs`, the longest-waiting first. */
const due = (waitedMs: number, limit: number) => sql`select user_id from rec_pending_lists
  where pending_since <= now() - make_interval(secs => ${waitedMs / 1000}) order by pending_since limit ${limit}`;

/** Those users, read as a statement of its own (the job's one-at-a-time retry after a refused batch). */
export async function dueUsers(tx: Tx, waitedMs: number, limit: number): Promise<string[]> {
  return (await tx.execute<{ user_id: string }>(due(waitedMs, limit))).rows.map((r) => r.user_id);
}

function takeWaiting(which: Waiting): SQL {
  if ('users' in which)
    return sql`delete from rec_pending_lists where user_id = any(${`{${which.users.join(',')}}`}::uuid[])
      returning user_id, algorithm, variant, generated_at, movie_ids, scores, ranks, reasons`;
  // skip locked: a list a fold-in is replacing right now is taken by a later run, with its new items.
  return sql`delete from rec_pending_lists where user_id in (${due(which.waitedMs, which.limit)} for update skip locked)
    returning user_id, algorithm, variant, generated_at, movie_ids, scores, ranks, reasons`;
}

/**
 * Takes waiting lists off the queue, writes them into user_recommendations and records one recommendations.generated
 * per list, in the caller's transaction (which must see every user's rows). Rows that left a user's list go; a movie
 * still on it keeps its row, and so its clicked and clicked_at; a row whose score, rank, reason and variant are
 * unchanged is not rewritten, so a row's generated_at is when it last took its values. A movie deleted since its list
 * was computed is not written (its rows were deleted with it). Taking a list deletes its queue row, so a list is
 * stored once, and a fold-in that replaces it meanwhile waits for this transaction and queues a new row: lists reach
 * the table in their order.
 *
 * The event is the stored list, not each fold-in's: a user's fold-ins within the store delay publish one list, the
 * one the table (and so a click) then holds. Each fold-in's event went through the outbox, Kafka and analytics
 * (which logs every list as impressions) and to notification: a user rating a film every few seconds counted a list
 * of 50 impressions per rating, none of them shown. Its correlation id is the store's own (it may follow several
 * interactions); with the delay at 0 it is stored, and so published, in the fold-in's transaction, as before.
 */
export async function storeWaitingLists(tx: Tx, which: Waiting): Promise<StoreResult> {
  if ('users' in which && which.users.length === 0) return { lists: 0, rows: 0 };
  const result = await tx.execute<{
    user_id: string;
    algorithm: string;
    variant: string;
    generated_at: Date;
    movie_ids: number[];
    scores: number[];
    ranks: number[];
    rows: number;
  }>(sql`
    with p as (${takeWaiting(which)}),
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
    select p.user_id, p.algorithm, p.variant, p.generated_at, p.movie_ids, p.scores, p.ranks,
      (select count(*) from stored)::int as rows
    from p order by p.user_id`);
  const lists = result.rows;
  await recordEvents(
    tx,
    lists.map((l) => {
      const generatedAt = new Date(l.generated_at).toISOString();
      return pendingEvent(RecommendationsGenerated, l.user_id, {
        userId: l.user_id,
        algorithm: l.algorithm as AlgorithmName,
        variant: l.variant,
        generatedAt,
        items: l.movie_ids.map((movieId, i) => ({ movieId, score: l.scores[i] as number, rank: l.ranks[i] as number })),
      });
    }),
  );
  return { lists: lists.length, rows: Number(lists[0]?.rows ?? 0) };
}

/**
 * Takes a deleted movie out of every waiting list naming it (its rows in user_recommendations are deleted by the
 * caller), and returns those lists' users, whose cached copies then go. The lists are locked in user order, as
 * fold-ins lock them, so the two never deadlock. A list queued meanwhile by a fold-in that scored the movie before
 * it was dropped is still stored without it (storeWaitingLists skips movies gone from rec_movies).
 */
export async function dropFromWaitingLists(tx: Tx, movieId: number): Promise<string[]> {
  // Locked first, in a statement of its own: the rewrite below then reads (in a new snapshot) the versions it
  // locked, not older ones a fold-in replaced between its snapshot and its lock.
  const named = await tx.execute<{ user_id: string }>(
    sql`select user_id from rec_pending_lists where ${movieId}::int = any(movie_ids) order by user_id for update`,
  );
  if (named.rows.length === 0) return [];
  const users = sql`${`{${named.rows.map((r) => r.user_id).join(',')}}`}::uuid[]`;
  await tx.execute(sql`
    with kept as (
      select p.user_id, array_agg(i.m order by i.o) as m, array_agg(i.s order by i.o) as s,
             array_agg(i.k order by i.o) as k, array_agg(i.r order by i.o) as r
      from rec_pending_lists p,
           unnest(p.movie_ids, p.scores, p.ranks, p.reasons) with ordinality as i(m, s, k, r, o)
      where p.user_id = any(${users}) and i.m <> ${movieId}::int
      group by p.user_id
    )
    update rec_pending_lists p
    set movie_ids = coalesce(kept.m, '{}'::int[]), scores = coalesce(kept.s, '{}'::real[]),
        ranks = coalesce(kept.k, '{}'::int[]), reasons = coalesce(kept.r, '{}'::text[])
    from unnest(${users}) as u(user_id) left join kept using (user_id)
    where p.user_id = u.user_id`);
  return named.rows.map((r) => r.user_id);
}
