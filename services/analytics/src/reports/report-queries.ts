import type { Database } from '@marquee/platform-db';
import { sql } from 'drizzle-orm';
import { forAllUsers, withUser } from '@marquee/platform-db';

const PAGE = 500;

export interface DateRange {
  from: string;
  to: string;
}

export interface MovieDay {
  date: string;
  views: number;
  likes: number;
  ratingCount: number;
  avgRating: number | null;
  recommendationCount: number;
  clicks: number;
  clickThroughRate: number | null;
}

/** A movie's daily metrics over a range, page by page in date order. */
export async function* movieMetricPages(
  reports: Database,
  movieId: number,
  range: DateRange,
): AsyncGenerator<MovieDay[]> {
  let after = '0001-01-01';
  for (;;) {
    const { rows } = await forAllUsers(reports.db, (tx) =>
      tx.execute<Record<string, unknown>>(sql`
        select to_char(date, 'YYYY-MM-DD') as date, view_count, like_count, rating_count, avg_rating,
               recommendation_count, click_count, click_through_rate
          from popularity_metrics
         where movie_id = ${movieId} and date >= ${range.from}::date and date <= ${range.to}::date and date > ${after}::date
         order by date limit ${PAGE}`),
    );
    if (rows.length > 0) {
      yield rows.map((r) => ({
        date: r.date as string,
        views: r.view_count as number,
        likes: r.like_count as number,
        ratingCount: r.rating_count as number,
        avgRating: r.avg_rating as number | null,
        recommendationCount: r.recommendation_count as number,
        clicks: r.click_count as number,
        clickThroughRate: r.click_through_rate as number | null,
      }));
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.date as string;
  }
}

export async function movieTitle(reports: Database, movieId: number): Promise<string | null> {
  const { rows } = await reports.db.execute<{ title: string }>(
    sql`select title from movies where movie_id = ${movieId} and not deleted`,
  );
  return rows[0]?.title ?? null;
}

export interface CtrRow {
  algorithm: string;
  variant: string | null;
  impressions: number;
  clicks: number;
  clickThroughRate: number | null;
}

/** Impressions, clicks and CTR per algorithm, or per algorithm and experiment variant, over a range. */
export async function ctrBy(reports: Database, by: 'algorithm' | 'variant', range: DateRange): Promise<CtrRow[]> {
  const variant = by === 'variant' ? sql`variant` : sql`null::text`;
  const { rows } = await forAllUsers(reports.db, (tx) =>
    tx.execute<{ algorithm: string; variant: string | null; impressions: string; clicks: string }>(sql`
      select algorithm, ${variant} as variant, sum(impressions) as impressions, sum(clicks) as clicks
        from recommendation_ctr_daily
       where date >= ${range.from}::date and date <= ${range.to}::date
       group by 1, 2 order by 1, 2`),
  );
  return rows.map((r) => {
    const impressions = Number(r.impressions);
    const clicks = Number(r.clicks);
    return {
      algorithm: r.algorithm,
      variant: r.variant,
      impressions,
      clicks,
      clickThroughRate: impressions > 0 ? clicks / impressions : null,
    };
  });
}

export interface ActivityDay {
  date: string;
  events: number;
  activeUsers: number;
}

/** Events and daily active users per day over a range, page by page. */
export async function* dailyActivityPages(reports: Database, range: DateRange): AsyncGenerator<ActivityDay[]> {
  let after = '0001-01-01';
  for (;;) {
    const { rows } = await forAllUsers(reports.db, (tx) =>
      tx.execute<{ date: string; events: string; active_users: number }>(sql`
        select to_char(date, 'YYYY-MM-DD') as date, events, active_users from daily_activity
         where date >= ${range.from}::date and date <= ${range.to}::date and date > ${after}::date
         order by date limit ${PAGE}`),
    );
    if (rows.length > 0) {
      yield rows.map((r) => ({ date: r.date, events: Number(r.events), activeUsers: r.active_users }));
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.date as string;
  }
}

export interface ActivityEntry {
  id: string;
  occurredAt: string;
  actionType: string;
  movieId: number | null;
  sessionId: string | null;
  source: string | null;
  metadata: Record<string, unknown>;
}

/** Where a page of a user's activity stopped: the last entry's time and id. */
export interface ActivityCursor {
  occurredAt: string;
  eventId: string;
  seq: number;
}

export const encodeCursor = (c: ActivityCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/** A user's activity, newest first; `asAdmin` reads across users, otherwise row-level security keeps it to them. */
export async function userActivityPage(
  reports: Database,
  userId: string,
  opts: { asAdmin: boolean; limit: number; cursor?: ActivityCursor; range?: DateRange },
): Promise<{ items: ActivityEntry[]; next?: ActivityCursor }> {
  const c = opts.cursor;
  const query = sql`
    select event_id, event_seq, occurred_at, action_type, movie_id, session_id, source, metadata
      from user_activity_logs
     where user_id = ${userId}
       ${c ? sql`and (occurred_at, event_id, event_seq) < (${c.occurredAt}::timestamptz, ${c.eventId}::uuid, ${c.seq}::int2)` : sql``}
       ${opts.range ? sql`and occurred_at >= ${opts.range.from}::date and occurred_at < ${opts.range.to}::date + 1` : sql``}
     order by occurred_at desc, event_id desc, event_seq desc
     limit ${opts.limit + 1}`;
  const run = (tx: Parameters<Parameters<typeof forAllUsers>[1]>[0]) => tx.execute<Record<string, unknown>>(query);
  const { rows } = opts.asAdmin ? await forAllUsers(reports.db, run) : await withUser(reports.db, userId, run);
  const items = rows.slice(0, opts.limit).map((r) => ({
    id: `${r.event_id as string}:${r.event_seq as number}`,
    occurredAt: new Date(r.occurred_at as string).toISOString(),
    actionType: r.action_type as string,
    movieId: r.movie_id as number | null,
    sessionId: r.session_id as string | null,
    source: r.source as string | null,
    metadata: r.metadata as Record<string, unknown>,
  }));
  const last = items[items.length - 1];
  const next =
    rows.length > opts.limit && last
      ? { occurredAt: last.occurredAt, eventId: last.id.split(':')[0] as string, seq: Number(last.id.split(':')[1]) }
      : undefined;
  return next ? { items, next } : { items };
}

/** Every page of a user's activity (for CSV). */
export async function* userActivityPages(
  reports: Database,
  userId: string,
  opts: { asAdmin: boolean; range?: DateRange },
): AsyncGenerator<ActivityEntry[]> {
  let cursor: ActivityCursor | undefined;
  for (;;) {
    const page = await userActivityPage(reports, userId, { ...opts, limit: PAGE, cursor });
    if (page.items.length > 0) yield page.items;
    if (!page.next) return;
    cursor = page.next;
  }
}
