import { describe, expect, it } from 'vitest';
import { invertSpdInPlace } from './dense-inverse';

function randomSpd(n: number, seed: number): Float64Array {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const x = Array.from({ length: n * n }, rand);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = i === j ? n : 0;
      for (let k = 0; k < n; k++) v += x[k * n + i]! * x[k * n + j]!;
      a[i * n + j] = v;
    }
  return a;
}

describe('invertSpdInPlace', () => {
  // 3: fewer rows than one block of four; 8: whole blocks only; 37: blocks and a remainder.
  it.each([3, 8, 37])(
    'when a symmetric positive-definite matrix of size %i is inverted, then A·A⁻¹ is the identity',
    (n) => {
      const a = randomSpd(n, 7);
      const inv = a.slice();
      invertSpdInPlace(inv, n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let v = 0;
          for (let k = 0; k < n; k++) v += a[i * n + k]! * inv[k * n + j]!;
          expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
        }
    },
  );

  it('when the progress callback throws, then the inversion stops with that error', () => {
    const a = randomSpd(60, 3);
    expect(() =>
      invertSpdInPlace(a, 60, () => {
        throw new Error('cancelled');
      }),
    ).toThrow('cancelled');
  });

  it('when the matrix is not positive definite, then it says so', () => {
    expect(() => invertSpdInPlace(new Float64Array([1, 2, 2, 1]), 2)).toThrow('not positive definite');
  });
});
