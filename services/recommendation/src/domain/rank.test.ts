import { describe, expect, it } from 'vitest';
import { rankItems } from './rank';

const scores = Float32Array.from([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]);
const genres = [[1], [1], [1], [2], [2], [3]];

describe('rankItems', () => {
  it('when items are excluded, then they never come back and the rest keep score order', () => {
    const r = rankItems(scores, { limit: 3, excluded: (i) => i === 0 });
    expect(r.map((x) => x.item)).toEqual([1, 2, 3]);
  });

  it('when an offset is given, then the page starts after it', () => {
    expect(rankItems(scores, { limit: 2, offset: 2, excluded: () => false }).map((x) => x.item)).toEqual([2, 3]);
  });

  it('when a genre filter applies, then only allowed items are returned', () => {
    const r = rankItems(scores, { limit: 5, excluded: () => false, allowed: (i) => genres[i]!.includes(2) });
    expect(r.map((x) => x.item)).toEqual([3, 4]);
  });

  it('when diversity is high, then other genres move up', () => {
    const plain = rankItems(scores, { limit: 3, excluded: () => false });
    const diverse = rankItems(scores, { limit: 3, excluded: () => false, diversity: 1, genresOf: (i) => genres[i]! });
    expect(plain.map((x) => x.item)).toEqual([0, 1, 2]);
    expect(new Set(diverse.map((x) => genres[x.item]![0])).size).toBeGreaterThan(1);
  });

  it('when scores tie and some are excluded, then the list is the full sort by score then item, cut to the limit', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(random() * 3000);
      // Few distinct values, so ties are common; some are not finite.
      const values = Float32Array.from({ length: n }, () => {
        const r = random();
        return r < 0.02 ? Number.NaN : r < 0.03 ? Number.POSITIVE_INFINITY : Math.floor(random() * 40) / 7 - 1;
      });
      const excluded = (i: number) => i % 11 === round % 11;
      const limit = 1 + Math.floor(random() * 120);
      const offset = Math.floor(random() * 10);
      const expected = [...values]
        .map((score, item) => ({ item, score }))
        .filter((r) => Number.isFinite(r.score) && !excluded(r.item))
        .sort((a, b) => b.score - a.score || a.item - b.item)
        .slice(offset, offset + limit);
      expect(rankItems(values, { limit, offset, excluded })).toEqual(expected);
    }
  });
});
