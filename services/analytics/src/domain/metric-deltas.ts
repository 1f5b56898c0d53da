/** A row the log accepted (new, not a redelivery), as the metrics need it. */
export interface AcceptedRow {
  actionType: string;
  movieId: number | null;
  /** UTC day, `YYYY-MM-DD`. */
  date: string;
  userId: string | null;
  rating: number | null;
  algorithm: string | null;
  variant: string | null;
}

export interface PopularityDelta {
  movieId: number;
  date: string;
  views: number;
  likes: number;
  ratingCount: number;
  ratingSum: number;
  impressions: number;
  clicks: number;
}

export interface CtrDelta {
  date: string;
  algorithm: string;
  variant: string;
  impressions: number;
  clicks: number;
}

export interface MetricDeltas {
  popularity: PopularityDelta[];
  ctr: CtrDelta[];
  events: { date: string; events: number }[];
  activeUsers: { date: string; userId: string }[];
}

/**
 * How accepted rows move the daily metrics. The same rules, in SQL, recompute a day from the log
 * (src/jobs/recompute-metrics.ts): views = movie_view, likes = movie_like, ratings = rating_submit,
 * recommendation_count = recommendation_impression, clicks = recommendation_click.
 * Sorted by key so concurrent batches lock rows in one order and cannot deadlock.
 */
export function metricDeltasOf(rows: AcceptedRow[]): MetricDeltas {
  const popularity = new Map<string, PopularityDelta>();
  const ctr = new Map<string, CtrDelta>();
  const events = new Map<string, number>();
  const active = new Map<string, { date: string; userId: string }>();
  for (const r of rows) {
    events.set(r.date, (events.get(r.date) ?? 0) + 1);
    if (r.userId) active.set(`${r.date}|${r.userId}`, { date: r.date, userId: r.userId });
    const isImpression = r.actionType === 'recommendation_impression';
    const isClick = r.actionType === 'recommendation_click';
    if ((isImpression || isClick) && r.algorithm) {
      const key = `${r.date}|${r.algorithm}|${r.variant ?? ''}`;
      const c = ctr.get(key) ?? {
        date: r.date,
        algorithm: r.algorithm,
        variant: r.variant ?? '',
        impressions: 0,
        clicks: 0,
      };
      if (isImpression) c.impressions += 1;
      else c.clicks += 1;
      ctr.set(key, c);
    }
    if (r.movieId === null) continue;
    const key = `${r.date}|${String(r.movieId).padStart(10, '0')}`;
    const p = popularity.get(key) ?? {
      movieId: r.movieId,
      date: r.date,
      views: 0,
      likes: 0,
      ratingCount: 0,
      ratingSum: 0,
      impressions: 0,
      clicks: 0,
    };
    if (r.actionType === 'movie_view') p.views += 1;
    else if (r.actionType === 'movie_like') p.likes += 1;
    else if (r.actionType === 'rating_submit' && r.rating !== null) {
      p.ratingCount += 1;
      p.ratingSum += r.rating;
    } else if (isImpression) p.impressions += 1;
    else if (isClick) p.clicks += 1;
    else continue;
    popularity.set(key, p);
  }
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  return {
    popularity: byKey(popularity),
    ctr: byKey(ctr),
    events: byKey(new Map([...events].map(([date, n]) => [date, { date, events: n }]))),
    activeUsers: byKey(active),
  };
}
