import type { Reason, Recommender, UserInput } from './recommender';

export interface BlendPart {
  model: Recommender;
  weight: number;
}

/** Scales scores so the best is 1 (negatives kept), making parts of different scales blendable. */
function scaleToMax(scores: Float32Array): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max > 0) for (let i = 0; i < scores.length; i++) scores[i]! /= max;
}

/**
 * The default: a weighted blend of per-user max-scaled scores. A user with no positive history (cold start) is
 * scored by the `coldStart` parts instead (favourite genres through content, and trending).
 */
export class Hybrid implements Recommender {
  readonly name = 'hybrid';
  private readonly lastScores = new WeakMap<UserInput, Array<{ part: BlendPart; scores: Float32Array }>>();
  constructor(
    readonly parts: readonly BlendPart[],
    readonly coldStart: readonly BlendPart[],
    readonly itemCount: number,
  ) {}

  private partsFor(user: UserInput): readonly BlendPart[] {
    return user.weights.some((w) => w > 0) ? this.parts : this.coldStart;
  }

  score(user: UserInput, out: Float32Array): void {
    out.fill(0);
    const buffer = new Float32Array(out.length);
    for (const { model, weight } of this.partsFor(user)) {
      if (weight === 0) continue;
      model.score(user, buffer);
      scaleToMax(buffer);
      for (let i = 0; i < out.length; i++) out[i]! += weight * buffer[i]!;
    }
  }

  /** The reason of the part that contributed most to this item's blended score (part scores cached per user). */
  reason(user: UserInput, item: number): Reason {
    let scored = this.lastScores.get(user);
    if (!scored) {
      scored = this.partsFor(user)
        .filter((part) => part.weight !== 0)
        .map((part) => {
          const scores = new Float32Array(this.itemCount);
          part.model.score(user, scores);
          scaleToMax(scores);
          return { part, scores };
        });
      this.lastScores.set(user, scored);
    }
    let best: BlendPart | undefined;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const { part, scores } of scored) {
      const value = part.weight * scores[item]!;
      if (value > bestValue) {
        bestValue = value;
        best = part;
      }
    }
    return best ? best.model.reason(user, item) : { kind: 'popular' };
  }
}
