import { describe, expect, it } from 'vitest';
import { deltaOf } from './counter-delta';

describe('counter deltas', () => {
  const base = {
    interactionId: 'i',
    userId: '00000000-0000-4000-8000-000000000000',
    movieId: 1,
    feedbackType: null,
    hasFeedbackComment: false,
    source: 'web' as const,
    at: '2026-01-01T00:00:00Z',
  };
  it('When interactions are recorded or removed, then the counters move by one and ratings move the sum', () => {
    expect(deltaOf('recorded', { ...base, interactionType: 'view', rating: null, previousRating: null })).toEqual({
      views: 1,
      likes: 0,
      ratingSum: 0,
      ratingCount: 0,
    });
    expect(deltaOf('removed', { ...base, interactionType: 'like', rating: null })).toEqual({
      views: 0,
      likes: -1,
      ratingSum: 0,
      ratingCount: 0,
    });
    expect(deltaOf('recorded', { ...base, interactionType: 'rating', rating: 5, previousRating: 2 })).toEqual({
      views: 0,
      likes: 0,
      ratingSum: 3,
      ratingCount: 0,
    });
    expect(deltaOf('removed', { ...base, interactionType: 'rating', rating: 4 })).toEqual({
      views: 0,
      likes: 0,
      ratingSum: -4,
      ratingCount: -1,
    });
    expect(
      deltaOf('recorded', { ...base, interactionType: 'favorite', rating: null, previousRating: null }),
    ).toBeUndefined();
  });
});
