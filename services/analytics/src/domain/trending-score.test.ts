import { describe, expect, it } from 'vitest';
import { dayWeight, windowDays } from './trending-score';

const now = new Date('2026-11-30T12:00:00Z');

describe('trending score', () => {
  it('when a day is one half-life old, then it counts half', () => {
    expect(dayWeight('2026-11-30', now, 48)).toBe(1);
    expect(dayWeight('2026-11-28', now, 48)).toBeCloseTo(0.5, 10);
  });

  it('when days are older, then they weigh less, and a day in the future weighs no more than today', () => {
    expect(dayWeight('2026-11-29', now, 48)).toBeGreaterThan(dayWeight('2026-11-25', now, 48));
    expect(dayWeight('2026-12-02', now, 48)).toBe(1);
  });

  it('when a window crosses a month end, then it lists each day once, newest first, with falling weights', () => {
    const w = windowDays('2026-12-01', 3, new Date('2026-12-01T12:00:00Z'), 24);
    expect(w.days).toEqual(['2026-12-01', '2026-11-30', '2026-11-29']);
    expect(w.weights).toEqual([1, 0.5, 0.25]);
  });
});
