import { describe, expect, it } from 'vitest';
import { retryDelayMs, strongNewPicks } from './alert-picks';

describe('alert picks', () => {
  const items = [
    { movieId: 1, score: 0.95, rank: 1 },
    { movieId: 2, score: 0.5, rank: 3 },
    { movieId: 3, score: 0.9, rank: 2 },
    { movieId: 4, score: 0.85, rank: 4 },
  ];
  it('When picks are strong and new, then they come best first up to the maximum', () => {
    expect(strongNewPicks(items, new Set(), 0.8, 2)).toEqual([1, 3]);
  });
  it('When strong picks were already alerted, then only the new ones remain; weak ones never count', () => {
    expect(strongNewPicks(items, new Set([1, 3]), 0.8, 3)).toEqual([4]);
    expect(strongNewPicks(items, new Set([1, 3, 4]), 0.8, 3)).toEqual([]);
  });
  it('When attempts fail, then the delay doubles each time', () => {
    expect([1, 2, 3].map((a) => retryDelayMs(a, 100))).toEqual([100, 200, 400]);
    expect(retryDelayMs(40, 1000)).toBe(86_400_000);
  });
});
