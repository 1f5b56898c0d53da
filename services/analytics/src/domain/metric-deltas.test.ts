import { describe, expect, it } from 'vitest';
import { type AcceptedRow, metricDeltasOf } from './metric-deltas';

const row = (over: Partial<AcceptedRow>): AcceptedRow => ({
  actionType: 'movie_view',
  movieId: 7,
  date: '2026-11-30',
  userId: null,
  rating: null,
  algorithm: null,
  variant: null,
  ...over,
});

describe('metricDeltasOf', () => {
  it('when views, likes and ratings of one movie arrive, then one popularity delta sums them', () => {
    const d = metricDeltasOf([
      row({}),
      row({}),
      row({ actionType: 'movie_like' }),
      row({ actionType: 'rating_submit', rating: 4 }),
      row({ actionType: 'rating_submit', rating: 2 }),
    ]);
    expect(d.popularity).toEqual([
      { movieId: 7, date: '2026-11-30', views: 2, likes: 1, ratingCount: 2, ratingSum: 6, impressions: 0, clicks: 0 },
    ]);
    expect(d.events).toEqual([{ date: '2026-11-30', events: 5 }]);
  });

  it('when impressions and clicks carry an algorithm and a variant, then CTR counts are split by both', () => {
    const d = metricDeltasOf([
      row({ actionType: 'recommendation_impression', algorithm: 'hybrid', variant: 'b' }),
      row({ actionType: 'recommendation_impression', algorithm: 'hybrid' }),
      row({ actionType: 'recommendation_click', algorithm: 'hybrid', variant: 'b' }),
    ]);
    expect(d.ctr).toEqual([
      { date: '2026-11-30', algorithm: 'hybrid', variant: '', impressions: 1, clicks: 0 },
      { date: '2026-11-30', algorithm: 'hybrid', variant: 'b', impressions: 1, clicks: 1 },
    ]);
    expect(d.popularity[0]).toMatchObject({ impressions: 2, clicks: 1 });
  });

  it('when a search has no movie and a user acts twice in a day, then it counts as an event and one active user', () => {
    const u = '0190a0b0-0000-7000-8000-000000000001';
    const d = metricDeltasOf([row({ actionType: 'movie_search', movieId: null, userId: u }), row({ userId: u })]);
    expect(d.activeUsers).toEqual([{ date: '2026-11-30', userId: u }]);
    expect(d.popularity).toHaveLength(1);
    expect(d.events).toEqual([{ date: '2026-11-30', events: 2 }]);
  });

  it('when deltas touch several movies and days, then they come sorted by day then movie (one lock order)', () => {
    const d = metricDeltasOf([
      row({ movieId: 20, date: '2026-11-30' }),
      row({ movieId: 3, date: '2026-11-29' }),
      row({ movieId: 100 }),
    ]);
    expect(d.popularity.map((p) => `${p.date}/${p.movieId}`)).toEqual([
      '2026-11-29/3',
      '2026-11-30/20',
      '2026-11-30/100',
    ]);
  });
});
