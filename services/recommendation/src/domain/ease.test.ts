import { describe, expect, it } from 'vitest';
import { denseItemSet, trainDenseEase } from './ease';
import { historyPieces, WoodburyEase } from './ease-woodbury';
import { columnCounts, csrFromTriplets } from './feedback-matrix';

// Two taste groups: users 0–3 like items 0–2, users 4–7 like items 3–5; item 6 is liked by one of each.
const rows: number[] = [];
const cols: number[] = [];
for (let u = 0; u < 8; u++) {
  const base = u < 4 ? 0 : 3;
  for (const i of [0, 1, 2].filter((k) => k !== u % 3)) {
    rows.push(u);
    cols.push(base + i);
  }
}
rows.push(0, 4);
cols.push(6, 6);
const x = csrFromTriplets(
  8,
  7,
  rows,
  cols,
  rows.map(() => 1),
);
const user = { items: Int32Array.from([0, 1]), weights: Float32Array.from([1, 1]), favoriteGenres: [] };

/** Trains EASE (λ 2) densely and through Woodbury on the same rows, checks the user's scores agree, returns Woodbury's. */
function woodburyScoresAsDense(rows: Parameters<typeof WoodburyEase.train>[0]): Float32Array {
  const dense = trainDenseEase(rows, Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 2);
  const woodbury = WoodburyEase.train(rows, 2);
  const a = new Float32Array(7);
  const b = new Float32Array(7);
  dense.score(user, a);
  woodbury.score(user, b);
  for (let i = 2; i < 7; i++) expect(a[i]).toBeCloseTo(b[i]!, 4);
  return b;
}

describe('EASE', () => {
  it('when trained densely and through Woodbury, then both give the same scores', () => {
    woodburyScoresAsDense(x);
  });

  it('when a user liked two items of a group, then the third item of that group ranks first, with that reason', () => {
    const model = WoodburyEase.train(x, 2);
    const s = new Float32Array(7);
    model.score(user, s);
    const best = [2, 3, 4, 5, 6].sort((p, q) => s[q]! - s[p]!)[0]!;
    expect(best).toBe(2);
    expect(model.reason(user, 2)).toMatchObject({ kind: 'because_you_liked' });
  });

  it('when users are scored one after another, then each gets the scores it gets from a model of its own', () => {
    const other = { items: Int32Array.from([3, 6]), weights: Float32Array.from([1, -0.5]), favoriteGenres: [] };
    const alone = [user, other].map((u) => {
      const s = new Float32Array(7);
      WoodburyEase.train(x, 2).score(u, s);
      return s;
    });
    const shared = WoodburyEase.train(x, 2);
    for (const k of [0, 1, 0, 1]) {
      const s = new Float32Array(7);
      shared.score([user, other][k]!, s);
      expect(s).toEqual(alone[k]);
    }
  });

  it('when an item is dropped, then it scores zero at once', () => {
    const dense = trainDenseEase(x, Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 2);
    dense.drop(2);
    const s = new Float32Array(7);
    dense.score(user, s);
    expect(s[2]).toBe(0);
  });

  it('when the dense set is restricted, then only frequent items are kept, most frequent first up to the cap', () => {
    expect(Array.from(denseItemSet(columnCounts(x), 3, 10))).not.toContain(6);
    expect(denseItemSet(columnCounts(x), 1, 3)).toHaveLength(3);
  });

  it('when histories are cut into pieces, then each user’s items go in time order into pieces of at most that length', () => {
    // User 0 took 1, 2, 6 in the time order 6, 2, 1 (the rows of x are sorted by item, not by time); users 0
    // and 4 have three items, the others two.
    const sequences = { items: Int32Array.from([6, 2, 1, ...x.indices.subarray(3)]), starts: x.indptr };
    const pieces = historyPieces(x, sequences, 2);
    const rowsOf = (m: typeof pieces) =>
      Array.from({ length: m.rows }, (_, r) => Array.from(m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!)));
    expect(rowsOf(pieces).slice(0, 3)).toEqual([[2, 6], [1], [0, 2]]);
    expect(pieces.rows).toBe(2 + 2 + 6);
    expect(pieces.values.every((v) => v === 1)).toBe(true);
    expect(historyPieces(x, sequences, 50).rows).toBe(8);
  });

  it('when EASE learns from history pieces through Woodbury, then it scores as dense EASE over the pieces', () => {
    const sequences = { items: x.indices, starts: x.indptr };
    const b = woodburyScoresAsDense(historyPieces(x, sequences, 1));
    // One item per piece: no co-occurrence left, so nothing but the user's own items scores.
    for (let i = 2; i < 7; i++) expect(b[i]).toBeCloseTo(0, 6);
  });

  it('when the catalogue has grown since training, then every element of a reused array is written', () => {
    const woodbury = WoodburyEase.train(x, 2);
    const fresh = new Float32Array(9);
    const reused = new Float32Array(9).fill(7);
    const grown = { ...user, items: Int32Array.from([0, 1, 8]), weights: Float32Array.from([1, 1, 0.5]) };
    woodbury.score(grown, fresh);
    woodbury.score(grown, reused);
    expect(reused).toEqual(fresh);
    expect([fresh[7], fresh[8]]).toEqual([0, 0.5]);
  });
});
