import type { Reason, Recommender, UserInput } from './recommender';

export interface BlendPart {
  model: Recommender;
  weight: number;
}

/**
 * Each array's largest score (0 when none is positive): the parts' scores are scaled so the best is 1, negatives
 * kept. Up to four arrays in one pass over the items (four parts × 9,742 items: 55 µs a pass per part, 21 µs in
 * one); an indexed loop, as for…of over a typed array cost a tenth of a fold-in.
 */
function maxima(arrays: readonly Float32Array[], length: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < arrays.length; p += 4) {
    const [a, b = a, c = a, d = a] = arrays.slice(p, p + 4) as [Float32Array, ...Float32Array[]];
    let ma = 0;
    let mb = 0;
    let mc = 0;
    let md = 0;
    for (let i = 0; i < length; i++) {
      const x = a[i]!;
      if (x > ma) ma = x;
      const y = b[i]!;
      if (y > mb) mb = y;
      const z = c[i]!;
      if (z > mc) mc = z;
      const w = d[i]!;
      if (w > md) md = w;
    }
    out.push(...[ma, mb, mc, md].slice(0, Math.min(4, arrays.length - p)));
  }
  return out;
}

/**
 * out[i] = Σ factor_p × scores_p[i], added part by part into a float32 as `out[i] += …` does, so the sums are the
 * same to the bit. The default blend's four parts go in one pass over the items (a read-add-write pass over `out`
 * per part: 4 × 9,742 items, maxima included, 93 → 55 µs); other counts part by part.
 */
function blendInto(out: Float32Array, scored: readonly ScoredPart[]): void {
  const n = out.length;
  if (scored.length === 4) {
    const fround = Math.fround;
    const [{ scores: a, factor: fa }, { scores: b, factor: fb }, { scores: c, factor: fc }, { scores: d, factor: fd }] =
      scored as [ScoredPart, ScoredPart, ScoredPart, ScoredPart];
    // 0 + …: as `+=` onto a zeroed array, so a −0 product leaves +0.
    for (let i = 0; i < n; i++)
      out[i] = fround(fround(fround(fround(0 + fa * a[i]!) + fb * b[i]!) + fc * c[i]!) + fd * d[i]!);
    return;
  }
  out.fill(0);
  for (const { scores, factor } of scored) for (let i = 0; i < n; i++) out[i]! += factor * scores[i]!;
}

interface ScoredPart {
  part: BlendPart;
  /** The part's own scores, as it wrote them. */
  scores: Float32Array;
  /** The part's weight over its scores' max (1 when none is positive): its share of an item is factor × score. */
  factor: number;
}

/**
 * The default: a weighted blend of per-user max-scaled scores. A user with no positive history (cold start) is
 * scored by the `coldStart` parts instead (favourite genres through content, and trending).
 */
export class Hybrid implements Recommender {
  readonly name = 'hybrid';
  /** The parts' scores and factors of the user scored last, for reason(); their arrays are reused by the next score(). */
  private last: { user: UserInput; scored: ScoredPart[] } | null = null;
  private buffers: Float32Array[] = [];
  readonly parts: readonly BlendPart[];
  readonly coldStart: readonly BlendPart[];
  readonly itemCount: number;
  constructor(parts: readonly BlendPart[], coldStart: readonly BlendPart[], itemCount: number) {
    this.parts = parts;
    this.coldStart = coldStart;
    this.itemCount = itemCount;
  }

  private partsFor(user: UserInput): readonly BlendPart[] {
    return user.weights.some((w) => w > 0) ? this.parts : this.coldStart;
  }

  /**
   * Each weighted part's scores for this user, into `buffers` when given (score(): one fold-in allocated a
   * Float32Array per part per user), else into new arrays (reason() for a user other than the last scored).
   */
  private scoreParts(user: UserInput, length: number, buffers: Float32Array[] | null): ScoredPart[] {
    const parts = this.partsFor(user).filter((part) => part.weight !== 0);
    const arrays = parts.map((part, k) => {
      let scores = buffers?.[k];
      if (scores?.length !== length) {
        scores = new Float32Array(length);
        if (buffers) buffers[k] = scores;
      }
      // Every element is written (the Recommender contract), so a reused array needs no clearing.
      part.model.score(user, scores);
      return scores;
    });
    const max = maxima(arrays, length);
    return parts.map((part, k) => ({
      part,
      scores: arrays[k]!,
      factor: part.weight / (max[k]! > 0 ? max[k]! : 1),
    }));
  }

  score(user: UserInput, out: Float32Array): void {
    const scored = this.scoreParts(user, out.length, this.buffers);
    // One multiply-add per item and part, the scores left as they are (reason() reads the few it needs). Dividing
    // every score by its part's max and writing it back was most of the blend's CPU.
    blendInto(out, scored);
    this.last = { user, scored };
  }

  /** The reason of the part that contributed most to this item's blended score (part scores from score()). */
  reason(user: UserInput, item: number): Reason {
    const scored = this.last?.user === user ? this.last.scored : this.scoreParts(user, this.itemCount, null);
    let best: BlendPart | undefined;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const { part, scores, factor } of scored) {
      const value = factor * scores[item]!;
      if (value > bestValue) {
        bestValue = value;
        best = part;
      }
    }
    return best ? best.model.reason(user, item) : { kind: 'popular' };
  }
}
