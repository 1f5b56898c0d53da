import type { Database } from '@marquee/platform-db';
import type { Logger } from '@marquee/platform-logging';
import { counterOn, type Registry, scrapedGauge } from '@marquee/platform-metrics';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';

/**
 * Impressions per movie and day in a set of impressions_pending rows `g` (day, movie_ids): a deleted movie (a null
 * in the list, or deleted since the list was logged) counts nothing, as its popularity rows are gone.
 */
const countsOf = (g: string) => `
  select ${g}.day, (v #>> '{}')::int4 as movie_id, count(*)::int as n
    from ${g} cross join lateral jsonb_array_elements(${g}.movie_ids) as v
   where v <> 'null'::jsonb and (v #>> '{}')::int4 not in (select movie_id from movies where deleted)
   group by 1, 2`;

/** What the queue holds, counted as the fold would count it (the recompute command adds it to what is stored). */
export const PENDING_COUNTS = countsOf('impressions_pending');

/**
 * One transaction: take up to $1 queued lists off the queue and add their movies to recommendation_count, one upsert
 * per movie and day, in (day, movie) order as the ingest's upserts go, so neither deadlocks the other. Two folds at
 * once (two replicas) cannot count a list twice: the second waits on the first's deleted rows and then skips them.
 */
const FOLD = `
with gone as (
  delete from impressions_pending
   where ctid = any(array(select ctid from impressions_pending limit $1))
  returning day, movie_ids
),
counts as (${countsOf('gone')}),
folded as (
  insert into popularity_metrics (movie_id, date, recommendation_count)
  select movie_id, day, n from counts order by day, movie_id
  on conflict (movie_id, date) do update set
    recommendation_count = popularity_metrics.recommendation_count + excluded.recommendation_count
)
select (select count(*) from gone)::int as lists, (select count(*) from counts)::int as movies`;

export interface FoldResult {
  lists: number;
  movies: number;
}

/** Folds the whole queue, `batch` lists per transaction; returns what it counted. */
export async function foldImpressions(database: Database, batch = 5000): Promise<FoldResult> {
  const total = { lists: 0, movies: 0 };
  for (;;) {
    const { rows } = await database.pool.query<FoldResult>({
      name: 'analytics-fold-impressions',
      text: FOLD,
      values: [batch],
    });
    const r = rows[0] ?? { lists: 0, movies: 0 };
    total.lists += r.lists;
    total.movies += r.movies;
    if (r.lists < batch) return total;
  }
}

/** A scrape waits at most this long for the queue's size (the last reading is served after). */
const PENDING_QUERY_TIMEOUT_MS = 500;

/**
 * What an operator watches of the fold: lists folded and failed runs (counters), and the queue (a gauge read at
 * scrape, counted up to a million rows) — a queue that only grows means recommendation_count has stopped moving.
 */
function foldMetrics(registry: Registry | undefined, database: Database) {
  if (!registry) return { folded: (_n: number) => {}, failures: undefined, forget: () => {} };
  const folded = counterOn(registry, {
    name: 'analytics_impression_lists_folded_total',
    help: 'Lists of recommendations counted into popularity_metrics.recommendation_count by the fold',
  });
  const failures = counterOn(registry, {
    name: 'analytics_impression_fold_failures_total',
    help: 'Fold runs that failed (their lists stay queued for the next run)',
  });
  const pending = scrapedGauge(registry, {
    name: 'analytics_impressions_pending',
    help: 'Lists of recommendations logged but not yet counted in recommendation_count (up to 1,000,000)',
    timeoutMs: PENDING_QUERY_TIMEOUT_MS,
    read: () =>
      database.pool
        .query<{ n: string }>('select count(*) as n from (select 1 from impressions_pending limit 1000000) q')
        .then((r) => Number(r.rows[0]?.n ?? 0)),
  });
  return {
    folded: (n: number) => folded.inc(n),
    failures,
    forget: () => pending.forget(),
  };
}

/**
 * Folds now and then intervalMs after each fold ends (runPeriodically: a fold never overlaps the previous one, and
 * foldImpressions itself loops while its batches come back full); a failed fold is logged and counted, and its lists
 * stay queued for the next one.
 */
export function scheduleImpressionFold(
  database: Database,
  intervalMs: number,
  logger: Logger,
  registry?: Registry,
): PeriodicJob {
  const metrics = foldMetrics(registry, database);
  const job = runPeriodically(
    'folding impressions into popularity_metrics',
    intervalMs,
    logger,
    async () => {
      metrics.folded((await foldImpressions(database)).lists);
    },
    { onFailure: 'they stay queued for the next run', failures: metrics.failures },
  );
  return {
    async stop() {
      await job.stop();
      metrics.forget();
    },
  };
}
