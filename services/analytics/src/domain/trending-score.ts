/** How much each kind of daily activity counts toward trending: a click or like says more than a view. */
export const TRENDING_WEIGHTS = { view: 1, like: 2, rating: 1, click: 3 } as const;

/** A day of activity counts half after halfLifeHours; age is taken from the middle of that UTC day. */
export function dayWeight(day: string, now: Date, halfLifeHours: number): number {
  const middle = Date.parse(`${day}T12:00:00Z`);
  const ageHours = Math.max(0, (now.getTime() - middle) / 3_600_000);
  return 0.5 ** (ageHours / halfLifeHours);
}

export interface DayCounts {
  date: string;
  views: number;
  likes: number;
  ratings: number;
  clicks: number;
}

/** The time-decayed score of one movie over its days (the SQL in src/jobs/trending.ts computes the same). */
export function trendingScore(days: DayCounts[], now: Date, halfLifeHours: number): number {
  const w = TRENDING_WEIGHTS;
  return days.reduce(
    (sum, d) =>
      sum +
      (w.view * d.views + w.like * d.likes + w.rating * d.ratings + w.click * d.clicks) *
        dayWeight(d.date, now, halfLifeHours),
    0,
  );
}
