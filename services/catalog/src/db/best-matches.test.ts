import { describe, expect, it } from 'vitest';
import { bestMatches } from './full-text-ranking';

describe('bestMatches', () => {
  it('when parts overlap, then one row per movie in rank, popularity (none as -1), id order, cut at limit', () => {
    const popular = [
      { id: 7, rank: 0.5, popularity: 3 },
      { id: 3, rank: 0.5, popularity: 3 },
      { id: 9, rank: 0.2, popularity: 50 },
    ];
    const titles = [
      { id: 3, rank: 0.5, popularity: 3 },
      { id: 4, rank: 0.5, popularity: null },
      { id: 5, rank: 0.5, popularity: -0.5 },
      { id: 1, rank: 0.6, popularity: 1 },
    ];
    expect(bestMatches([popular, titles], 5).map((r) => r.id)).toEqual([1, 3, 7, 5, 4]);
    expect(bestMatches([popular, titles], 10).map((r) => r.id)).toEqual([1, 3, 7, 5, 4, 9]);
    expect(bestMatches([[], []], 20)).toEqual([]);
  });
});
