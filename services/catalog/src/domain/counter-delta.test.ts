import { describe, expect, it } from 'vitest';
import { applyClamped, changeThen, deltaOf, noChange } from './counter-delta';

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

  it('When a chunk holds several events of one movie, then their composed change ends where the events one by one end, zero clamps included', () => {
    // Deltas as removals and records mix: a removal at zero stays at zero, and the record after it counts.
    const deltas = [-1, +1, +1, -3, +2, -1, 0, +5, -2, -2, -2, +1];
    for (const start of [0, 1, 2, 7]) {
      for (let from = 0; from < deltas.length; from++) {
        for (let to = from; to <= deltas.length; to++) {
          let oneByOne = start;
          let change = noChange();
          for (const d of deltas.slice(from, to)) {
            oneByOne = Math.max(0, oneByOne + d);
            change = changeThen(change, { views: d, likes: -d, ratingSum: 3 * d, ratingCount: 0 });
          }
          expect(applyClamped(start, change.views)).toBe(oneByOne);
          expect(applyClamped(start, change.ratingCount)).toBe(start);
          let likes = start;
          for (const d of deltas.slice(from, to)) likes = Math.max(0, likes - d);
          expect(applyClamped(start, change.likes)).toBe(likes);
        }
      }
    }
  });
});
