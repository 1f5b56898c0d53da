import type { Reason, Recommender, UserInput } from './recommender';

export interface BlendPart {
  model: Recommender;
  weight: number;
}

/** The largest score (0 when none is positive): the part's scores are scaled so the best is 1, negatives kept. */
function maxOf(scores: Float32Array): number {
  let max = 0;
  // An indexed loop: for…of over a typed array made this a tenth of a fold-in's CPU.
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  return max;
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
    return this.partsFor(user)
      .filter((part) => part.weight !== 0)
      .map((part, k) => {
        let scores = buffers?.[k];
        if (scores?.length !== length) {
          scores = new Float32Array(length);
          if (buffers) buffers[k] = scores;
        }
        // Every element is written (the Recommender contract), so a reused array needs no clearing.
        part.model.score(user, scores);
        const max = maxOf(scores);
        return { part, scores, factor: part.weight / (max > 0 ? max : 1) };
      });
  }

  score(user: UserInput, out: Float32Array): void {
    const scored = this.scoreParts(user, out.length, this.buffers);
    out.fill(0);
    // One multiply-add per item and part, the scores left as they are (reason() reads the few it needs). Dividing
    // every score by its part's max and writing it back was most of the blend's CPU.
    for (const { scores, factor } of scored) {
      for (let i = 0; i < out.length; i++) out[i]! += factor * scores[i]!;
    }
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
