import { TrendingUpdated } from '@marquee/contracts';
import type { Database, DbOrTx } from '@marquee/platform-db';
import { recordEvent } from '@marquee/platform-events';
import type { Logger } from '@marquee/platform-logging';
import { type PeriodicJob, runPeriodically } from '@marquee/platform-service';
import { sql } from 'drizzle-orm';
import { isoDate } from '../domain/months';
import { TRENDING_WEIGHTS as W, windowDays } from '../domain/trending-score';

export interface TrendingWindow {
  /** Last UTC day of the window, `YYYY-MM-DD`. */
  date: string;
  days: number;
  halfLifeHours: number;
  limit: number;
}

export interface TrendingMovie {
  movieId: number;
  title: string | null;
  score: number;
  rank: number;
}

/** The window ending today (UTC) with the configured length, half-life and size. */
export function currentWindow(now: Date, days: number, halfLifeHours: number, limit: number): TrendingWindow {
  return { date: isoDate(now), days, halfLifeHours, limit };
}

/** Time-decayed score per movie over the window's days of popularity_metrics (domain/trending-score.ts). */
export async function computeTrending(db: DbOrTx, w: TrendingWindow, now = new Date()): Promise<TrendingMovie[]> {
  const { days, weights } = windowDays(w.date, w.days, now, w.halfLifeHours);
  // The date range lets the planner use the date index; one weight per day is joined in (no per-row date
  // arithmetic); titles are joined to the top `limit` only.
  const { rows } = await db.execute<{ movie_id: number; title: string | null; score: number }>(sql`
    select t.movie_id, m.title, t.score
      from (select p.movie_id,
                   sum((${W.view}::float8 * p.view_count + ${W.like} * p.like_count + ${W.rating} * p.rating_count
                        + ${W.click} * p.click_count) * d.weight) as score
              from popularity_metrics p
              join unnest(${`{${days.join(',')}}`}::date[], ${`{${weights.join(',')}}`}::float8[]) as d(day, weight)
                on d.day = p.date
             where p.date >= ${days[days.length - 1]}::date and p.date <= ${w.date}::date
             group by p.movie_id
            having sum(p.view_count + p.like_count + p.rating_count + p.click_count) > 0
             order by score desc, p.movie_id
             limit ${w.limit}) t
      left join movies m on m.movie_id = t.movie_id
     order by t.score desc, t.movie_id`);
  return rows.map((r, i) => ({ movieId: r.movie_id, title: r.title, score: Number(r.score), rank: i + 1 }));
}

export interface TrendingSnapshot extends TrendingWindow {
  computedAt: string;
  movies: TrendingMovie[];
}

/** Computes the current trending list and, in one transaction, keeps it and publishes trending.updated. */
export async function publishTrending(
  database: Database,
  w: TrendingWindow,
  now = new Date(),
): Promise<TrendingSnapshot> {
  return database.db.transaction(async (tx) => {
    const movies = await computeTrending(tx, w, now);
    await tx.execute(sql`
      insert into trending_snapshots (computed_at, date, window_days, half_life_hours, movies)
      values (${now.toISOString()}, ${w.date}, ${w.days}, ${w.halfLifeHours}, ${JSON.stringify(movies)}::jsonb)`);
    await recordEvent(tx, TrendingUpdated, w.date, {
      date: w.date,
      movies: movies.map((m) => ({ movieId: m.movieId, score: m.score, rank: m.rank })),
    });
    return { ...w, computedAt: now.toISOString(), movies };
  });
}

/** The last published list, or undefined before the first run. */
export async function latestTrending(db: DbOrTx): Promise<TrendingSnapshot | undefined> {
  const { rows } = await db.execute<{
    computed_at: Date | string;
    date: string;
    window_days: number;
    half_life_hours: number;
    movies: TrendingMovie[];
  }>(sql`select computed_at, to_char(date, 'YYYY-MM-DD') as date, window_days, half_life_hours, movies
           from trending_snapshots order by computed_at desc, id desc limit 1`);
  const r = rows[0];
  if (!r) return undefined;
  return {
    date: r.date,
    days: r.window_days,
    halfLifeHours: r.half_life_hours,
    limit: r.movies.length,
    computedAt: new Date(r.computed_at).toISOString(),
    movies: r.movies,
  };
}

/** Publishes trending now and then intervalMs after each run; a failed run is logged and retried at the next. */
export function scheduleTrending(
  database: Database,
  logger: Logger,
  opts: { intervalMs: number; days: number; halfLifeHours: number; limit: number },
): PeriodicJob {
  return runPeriodically('trending computation', opts.intervalMs, logger, async () => {
    const s = await publishTrending(database, currentWindow(new Date(), opts.days, opts.halfLifeHours, opts.limit));
    logger.info({ date: s.date, movies: s.movies.length }, 'trending published');
  });
}
