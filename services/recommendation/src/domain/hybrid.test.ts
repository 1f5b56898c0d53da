import { describe, expect, it } from 'vitest';
import { Hybrid } from './hybrid';
import { PopularityRecommender, popularityScores } from './popularity';
import type { Reason, Recommender, UserInput } from './recommender';

const fixed = (name: string, values: number[], reason: Reason): Recommender => ({
  name,
  score: (_u: UserInput, out: Float32Array) => out.set(values),
  reason: () => reason,
});

describe('hybrid', () => {
  const collaborative = fixed('cf', [0, 10, 0], { kind: 'because_you_liked', item: 0 });
  const trending = new PopularityRecommender('trending', Float32Array.from([0, 0.2, 1]));
  const hybrid = new Hybrid(
    [
      { model: collaborative, weight: 1 },
      { model: trending, weight: 0.1 },
    ],
    [{ model: trending, weight: 1 }],
    3,
  );

  it('when a user has positive history, then the blend follows the weighted, max-scaled parts', () => {
    const user = { items: Int32Array.from([0]), weights: Float32Array.from([1]), favoriteGenres: [] };
    const s = new Float32Array(3);
    hybrid.score(user, s);
    expect(s[1]).toBeCloseTo(1.02);
    expect(s[2]).toBeCloseTo(0.1);
    expect(hybrid.reason(user, 1)).toEqual({ kind: 'because_you_liked', item: 0 });
  });

  it('when a user has no positive history, then the cold-start parts score and the reason says trending', () => {
    const user = { items: Int32Array.from([0]), weights: Float32Array.from([-1]), favoriteGenres: [] };
    const s = new Float32Array(3);
    hybrid.score(user, s);
    expect(s[2]).toBe(1);
    expect(hybrid.reason(user, 2)).toEqual({ kind: 'trending' });
  });

  it('when the list is scored and then explained, then each part scores the user once and the reasons are the same', () => {
    let calls = 0;
    const counted: Recommender = {
      name: 'cf',
      score: (_u, out) => {
        calls += 1;
        out.set([0, 10, 0]);
      },
      reason: () => ({ kind: 'because_you_liked', item: 0 }),
    };
    const parts = [
      { model: counted, weight: 1 },
      { model: trending, weight: 0.1 },
    ];
    const user = { items: Int32Array.from([0]), weights: Float32Array.from([1]), favoriteGenres: [] };
    const scoredFirst = new Hybrid(parts, [], 3);
    scoredFirst.score(user, new Float32Array(3));
    const reasons = [0, 1, 2].map((i) => scoredFirst.reason(user, i));
    expect(calls).toBe(1);
    const explainedOnly = new Hybrid(parts, [], 3);
    expect([0, 1, 2].map((i) => explainedOnly.reason(user, i))).toEqual(reasons);
    expect(reasons.map((r) => r.kind)).toEqual(['because_you_liked', 'because_you_liked', 'trending']);
  });

  it('when other users are scored in between, then a user is explained as when scored alone', () => {
    const content = fixed('content', [0.5, 0.25, 1], { kind: 'popular' });
    const parts = [
      { model: collaborative, weight: 1 },
      { model: content, weight: 0.5 },
      { model: trending, weight: 0.1 },
    ];
    const first = { items: Int32Array.from([0]), weights: Float32Array.from([1]), favoriteGenres: [] };
    const second = { items: Int32Array.from([1]), weights: Float32Array.from([-1]), favoriteGenres: [] };
    const shared = new Hybrid(parts, [{ model: trending, weight: 1 }], 3);
    const a = new Float32Array(3);
    shared.score(first, a);
    shared.score(second, new Float32Array(3));
    const again = new Float32Array(3);
    shared.score(first, again);
    expect(again).toEqual(a);
    shared.score(second, new Float32Array(3));
    const alone = new Hybrid(parts, [{ model: trending, weight: 1 }], 3);
    alone.score(first, new Float32Array(3));
    expect([0, 1, 2].map((i) => shared.reason(first, i))).toEqual([0, 1, 2].map((i) => alone.reason(first, i)));
  });

  it("when a part knows fewer items than the catalogue, then no earlier user's scores stay in its reused array", () => {
    const short = new PopularityRecommender('trending', Float32Array.from([0.2, 1]));
    const parts = [
      { model: collaborative, weight: 1 },
      { model: short, weight: 0.1 },
    ];
    const coldStart = [
      { model: fixed('a', [1, 1, 1], { kind: 'popular' }), weight: 1 },
      { model: fixed('b', [5, 5, 5], { kind: 'popular' }), weight: 1 },
    ];
    const liked = { items: Int32Array.from([0]), weights: Float32Array.from([1]), favoriteGenres: [] };
    const cold = { items: Int32Array.from([0]), weights: Float32Array.from([-1]), favoriteGenres: [] };
    const shared = new Hybrid(parts, coldStart, 3);
    shared.score(cold, new Float32Array(3));
    const reused = new Float32Array(3);
    shared.score(liked, reused);
    const fresh = new Float32Array(3);
    new Hybrid(parts, coldStart, 3).score(liked, fresh);
    expect(reused).toEqual(fresh);
    expect(reused[2]).toBe(0);
  });

  it.each([1, 3, 4, 5])(
    'when %i parts blend, then each score is the float32 sum of the max-scaled parts added one after another',
    (count) => {
      // Negative scores, ties, zeros of both signs (item 3: −0 in every part, +0 blended, as `+=` onto zeros gives) and
      // one part with nothing positive (its factor is its weight).
      const columns = [
        [3, -1, 0, -0, 2.5, 1e-7],
        [-0, 0.25, -2, -0, 0, 7],
        [0.1, 0.2, 0.30000001, -0, -0, 1],
        [-1, -2, -3, -0, -0.5, -4],
        [5, 5, 5, -0, 0, 1],
      ].slice(0, count);
      const weights = [1, 1, 0.5, 0.2, 0.7].slice(0, count);
      const parts = columns.map((values, k) => ({
        model: fixed(`p${k}`, values, { kind: 'popular' }),
        weight: weights[k]!,
      }));
      const user = { items: Int32Array.from([0]), weights: Float32Array.from([1]), favoriteGenres: [] };
      const blended = new Float32Array(6);
      new Hybrid(parts, [], 6).score(user, blended);
      const expected = new Float32Array(6);
      columns.forEach((values, k) => {
        const stored = Float32Array.from(values);
        const max = Math.max(0, ...stored);
        const factor = weights[k]! / (max > 0 ? max : 1);
        for (let i = 0; i < 6; i++) expected[i]! += factor * stored[i]!;
      });
      for (let i = 0; i < 6; i++) expect(Object.is(blended[i], expected[i]), `item ${i}`).toBe(true);
    },
  );

  it('when interactions age, then trending counts a half-life-old one half', () => {
    const s = popularityScores(
      2,
      [
        { item: 0, at: 0, weight: 1 },
        { item: 1, at: 86_400, weight: 1 },
      ],
      86_400,
      1,
    );
    expect(s[0]).toBeCloseTo(0.5);
    expect(s[1]).toBe(1);
  });
});
