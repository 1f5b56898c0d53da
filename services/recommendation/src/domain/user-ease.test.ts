import { describe, expect, it } from 'vitest';
import { invertSpdInPlace } from './dense-inverse';
import { WoodburyEase } from './ease-woodbury';
import { csrFromTriplets } from './feedback-matrix';
import { UserEase } from './user-ease';

// Five users over six items: users 0–2 share items 0–2, users 3–4 share items 3–5, user 2 also took item 3.
const history = [
  [0, 1],
  [0, 1, 2],
  [1, 2, 3],
  [3, 4],
  [3, 4, 5],
];
const rows = history.flatMap((items, u) => items.map(() => u));
const cols = history.flat();
const x = csrFromTriplets(
  5,
  6,
  rows,
  cols,
  rows.map(() => 1),
);
const dense = (u: number, i: number) => (history[u]!.includes(i) ? 1 : 0);
const inputOf = (u: number) => ({
  items: Int32Array.from(history[u]!),
  weights: Float32Array.from(history[u]!.map(() => 1)),
  favoriteGenres: [],
});

/** Ridge regression of user `u`'s row on the `others` rows, then their rows blended: the definition. */
function bruteForce(u: number, lambda: number, others = [0, 1, 2, 3, 4].filter((v) => v !== u)): number[] {
  const m = others.length;
  const g = new Float64Array(m * m);
  const y = new Float64Array(m);
  others.forEach((v, a) => {
    for (let i = 0; i < 6; i++) y[a]! += dense(v, i) * dense(u, i);
    others.forEach((w, b) => {
      for (let i = 0; i < 6; i++) g[a * m + b]! += dense(v, i) * dense(w, i);
    });
    g[a * m + a]! += lambda;
  });
  invertSpdInPlace(g, m);
  const coef = others.map((_, a) => others.reduce((s, _w, b) => s + g[a * m + b]! * y[b]!, 0));
  return [0, 1, 2, 3, 4, 5].map((i) => others.reduce((s, v, a) => s + coef[a]! * dense(v, i), 0));
}

describe('user-based EASE twin', () => {
  it('when the user is a training row, then it regresses them on the other users only (their own row left out)', () => {
    const model = new UserEase(WoodburyEase.train(x, 1.5));
    for (const u of [0, 2, 4]) {
      const s = new Float32Array(6);
      model.score({ ...inputOf(u), row: u }, s);
      const expected = bruteForce(u, 1.5);
      for (let i = 0; i < 6; i++) expect(s[i]).toBeCloseTo(expected[i]!, 4);
    }
  });

  it('when the user has no training row, then the regression runs on every training row (the fold-in)', () => {
    const model = new UserEase(WoodburyEase.train(x, 1.5));
    const s = new Float32Array(6);
    model.score(inputOf(1), s);
    const expected = bruteForce(1, 1.5, [0, 1, 2, 3, 4]);
    for (let i = 0; i < 6; i++) expect(s[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('when a user liked items of one group, then the unseen item of that group scores above the other group', () => {
    const model = new UserEase(WoodburyEase.train(x, 1.5));
    const s = new Float32Array(6);
    model.score({ ...inputOf(0), row: 0 }, s);
    expect(s[2]).toBeGreaterThan(s[4]!);
    expect(s[2]).toBeGreaterThan(s[5]!);
  });
});
