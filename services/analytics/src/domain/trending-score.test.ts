import { describe, expect, it } from 'vitest';
import { dayWeight, trendingScore } from './trending-score';

const now = new Date('2026-11-30T12:00:00Z');

describe('trending score', () => {
  it('when a day is one half-life old, then it counts half', () => {
    expect(dayWeight('2026-11-30', now, 48)).toBe(1);
    expect(dayWeight('2026-11-28', now, 48)).toBeCloseTo(0.5, 10);
  });

  it('when two movies had the same activity on different days, then the more recent one scores higher', () => {
    const day = (date: string) => [{ date, views: 10, likes: 2, ratings: 1, clicks: 1 }];
    expect(trendingScore(day('2026-11-29'), now, 48)).toBeGreaterThan(trendingScore(day('2026-11-25'), now, 48));
  });

  it('when activity is weighted, then clicks count three views and likes two', () => {
    expect(trendingScore([{ date: '2026-11-30', views: 1, likes: 1, ratings: 1, clicks: 1 }], now, 48)).toBe(7);
  });
});
