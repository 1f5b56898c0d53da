/**
 * Trending score of a movie = Σ over the window's days of (views + 2·likes + ratings + 3·clicks) · day weight
 * (src/jobs/trending.ts sums it in SQL). A click or like says more than a view.
 */
export const TRENDING_WEIGHTS = { view: 1, like: 2, rating: 1, click: 3 } as const;

/** A day of activity counts half after halfLifeHours; age is taken from the middle of that UTC day. */
export function dayWeight(day: string, now: Date, halfLifeHours: number): number {
  const middle = Date.parse(`${day}T12:00:00Z`);
  const ageHours = Math.max(0, (now.getTime() - middle) / 3_600_000);
  return 0.5 ** (ageHours / halfLifeHours);
}

/** The window's UTC days ending at `lastDay`, newest first, with the decay weight of each. */
export function windowDays(
  lastDay: string,
  length: number,
  now: Date,
  halfLifeHours: number,
): { days: string[]; weights: number[] } {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  const days = Array.from({ length }, (_, i) => new Date(end - i * 86_400_000).toISOString().slice(0, 10));
  return { days, weights: days.map((d) => dayWeight(d, now, halfLifeHours)) };
}
