import { describe, expect, it } from 'vitest';
import { SequenceNeighbours, sequencesFrom } from './sequence-neighbours';

// Two users over five items, by time: user 0 took 0, 1, 2, 3; user 1 took 3, 4 (item 4 only ever next to 3).
const interactions = [
  { user: 0, item: 2, at: 30 },
  { user: 1, item: 4, at: 20 },
  { user: 0, item: 0, at: 10 },
  { user: 0, item: 3, at: 40 },
  { user: 0, item: 1, at: 20 },
  { user: 1, item: 3, at: 10 },
];

/** The definition: Σ 1/distance over pairs within the window, then / √(row sum · column sum). */
function bruteForce(sequences: number[][], items: number, window: number): number[][] {
  const w = Array.from({ length: items }, () => new Array<number>(items).fill(0));
  for (const s of sequences)
    for (let p = 0; p < s.length; p++)
      for (let q = p + 1; q < s.length && q - p <= window; q++) {
        w[s[p]!]![s[q]!]! += 1 / (q - p);
        w[s[q]!]![s[p]!]! += 1 / (q - p);
      }
  const total = w.map((row) => row.reduce((a, b) => a + b, 0));
  return w.map((row, a) => row.map((v, b) => (v === 0 ? 0 : v / Math.sqrt(total[a]! * total[b]!))));
}

describe('sequence neighbours', () => {
  it('when interactions arrive in any order, then each user’s sequence is sorted by time', () => {
    const s = sequencesFrom(2, interactions);
    expect(Array.from(s.starts)).toEqual([0, 4, 6]);
    expect(Array.from(s.items)).toEqual([0, 1, 2, 3, 3, 4]);
  });

  it('when trained, then every link is the normalised 1/distance sum within the window, never across users', () => {
    const model = SequenceNeighbours.train(5, sequencesFrom(2, interactions), { window: 2, keep: 10 });
    const expected = bruteForce(
      [
        [0, 1, 2, 3],
        [3, 4],
      ],
      5,
      2,
    );
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) expect(model.link(a, b)).toBeCloseTo(a === b ? 0 : expected[a]![b]!, 6);
    expect(model.link(0, 3)).toBe(0); // three places apart: outside the window
    expect(model.link(2, 4)).toBe(0); // different users' sequences are never joined
  });

  it('when an item has more neighbours than kept, then only the strongest remain', () => {
    const model = SequenceNeighbours.train(5, sequencesFrom(2, interactions), { window: 3, keep: 1 });
    expect(model.indptr[4]! - model.indptr[3]!).toBe(1);
    expect(model.link(3, 4)).toBeGreaterThan(0);
  });

  it('when a user is scored, then the items next to their history lead and the reason names the history item', () => {
    const model = SequenceNeighbours.train(5, sequencesFrom(2, interactions), { window: 1, keep: 10 });
    const user = { items: Int32Array.from([4]), weights: Float32Array.from([1]), favoriteGenres: [] };
    const out = new Float32Array(5);
    model.score(user, out);
    expect(out[3]).toBeGreaterThan(0);
    expect([0, 1, 2].map((i) => out[i])).toEqual([0, 0, 0]);
    expect(model.reason(user, 3)).toEqual({ kind: 'because_you_liked', item: 4 });
    expect(model.reason(user, 0)).toEqual({ kind: 'popular' });
  });
});
