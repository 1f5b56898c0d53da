import { forAllUsers, queryFailure, sqlState } from '@marquee/platform-db';
import { counterOn, scrapedGauge } from '@marquee/platform-metrics';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import type { RecommendationContext } from '../context';
import { cacheKey, withEffectsAfterCommit } from '../recommend/compute-lists';
import { dueUsers, storeWaitingLists, type Waiting } from '../recommend/store-lists';

/**
 * Lists computed and stored per transaction (about 50 rows each): a few hundred ms, so a fold-in never waits long on
 * one.
 */
const BATCH = 200;
/** A scrape waits at most this long for the queue's figures (the last reading is served after). */
const QUEUE_QUERY_TIMEOUT_MS = 500;

/**
 * One round of the job: up to `limit` lists that waited `waitedMs`, computed and stored in one transaction, then
 * cached. If user_recommendations refuses that batch with a data error (a list breaking a constraint, say), the lists
 * are stored one at a time and one refused on its own is dropped from the queue, logged with its user, and its cached
 * copy deleted (the user's next fold-in or read computes a new one): one bad list must not hold back every list
 * behind it for good. Any other failure (the database unreachable) drops nothing and is thrown for the next round.
 */
export async function storeDueLists(
  ctx: RecommendationContext,
  waitedMs: number,
  limit = BATCH,
): Promise<{ stored: number; dropped: number; more: boolean }> {
  const db = ctx.database.db;
  const store = (which: Waiting) =>
    withEffectsAfterCommit(ctx, (afterCommit) =>
      forAllUsers(db, (tx) => storeWaitingLists(ctx, tx, which, afterCommit)),
    );
  try {
    const r = await store({ waitedMs, limit });
    return { stored: r.lists, dropped: 0, more: r.lists === limit };
  } catch (err) {
    if (!isDataError(err)) throw err;
    ctx.logger.warn(
      { err: queryFailure(err) },
      'a batch of waiting recommendation lists was refused; storing them one at a time',
    );
  }
  const due = await forAllUsers(db, (tx) => dueUsers(tx, waitedMs, limit));
  let stored = 0;
  let dropped = 0;
  for (const userId of due) {
    try {
      stored += (await store({ users: [userId] })).lists;
    } catch (err) {
      if (!isDataError(err)) throw err;
      await forAllUsers(db, (tx) => tx.execute(sql`delete from rec_pending_lists where user_id = ${userId}`));
      await ctx.lists.delete([cacheKey(ctx, userId)]);
      ctx.logger.error(
        { err: queryFailure(err), userId },
        'a waiting recommendation list was refused by user_recommendations and dropped; the next fold-in or read computes a new one',
      );
      dropped++;
    }
  }
  return { stored, dropped, more: due.length === limit };
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows, not the database. */
const isDataError = (err: unknown) => /^2[23]/.test(sqlState(err) ?? '');

/**
 * Writes waiting lists into user_recommendations once they have waited `RECOMMENDATION_STORE_DELAY_MS`, looking a
 * quarter of that apart (between 0.1 and 1 s), so a list is stored at most about 1.25 times the delay after its
 * user's first fold-in; a full batch runs the next at once (storeDueLists). A failed run is logged and counted, and
 * its lists stay queued for the next. With the delay at 0 fold-ins store their own lists, and this only finds what
 * an earlier run with a delay left.
 */
export function scheduleListStore(ctx: RecommendationContext): PeriodicJob {
  const delay = ctx.config.RECOMMENDATION_STORE_DELAY_MS;
  const stored = counterOn(ctx.metrics, {
    name: 'recommendation_lists_stored_total',
    help: 'Waiting lists written into user_recommendations by the store job',
  });
  const dropped = counterOn(ctx.metrics, {
    name: 'recommendation_lists_dropped_total',
    help: 'Waiting lists user_recommendations refused on their own, dropped from the queue (the log names each user)',
  });
  const failures = counterOn(ctx.metrics, {
    name: 'recommendation_list_store_failures_total',
    help: 'Store job runs that failed (their lists stay queued for the next run)',
  });
  const gauges = [
    scrapedGauge(ctx.metrics, {
      name: 'recommendation_lists_waiting',
      help: 'Users whose lists wait to be written into user_recommendations (up to 1,000,000)',
      timeoutMs: QUEUE_QUERY_TIMEOUT_MS,
      read: () =>
        forAllUsers(ctx.database.db, async (tx) => {
          const r = await tx.execute<{ n: string }>(
            sql`select count(*) as n from (select 1 from rec_pending_lists limit 1000000) q`,
          );
          return Number(r.rows[0]?.n ?? 0);
        }),
    }),
    scrapedGauge(ctx.metrics, {
      name: 'recommendation_list_oldest_wait_seconds',
      help: 'How long the longest-waiting list has waited to be written into user_recommendations (0 when none)',
      timeoutMs: QUEUE_QUERY_TIMEOUT_MS,
      read: () =>
        forAllUsers(ctx.database.db, async (tx) => {
          const r = await tx.execute<{ s: number | null }>(
            sql`select extract(epoch from now() - min(pending_since))::float8 as s from rec_pending_lists`,
          );
          return Math.max(0, Number(r.rows[0]?.s ?? 0));
        }),
    }),
  ];
  const job = runPeriodically(
    'storing waiting recommendation lists',
    delay === 0 ? 1000 : Math.min(1000, Math.max(100, delay / 4)),
    ctx.logger,
    async () => {
      const r = await storeDueLists(ctx, delay);
      stored.inc(r.stored);
      dropped.inc(r.dropped);
      return r.more;
    },
    { onFailure: 'they stay queued for the next run', failures },
  );
  return {
    async stop() {
      await job.stop();
      for (const g of gauges) g.forget();
    },
  };
}
