import type { WoodburyEase } from './ease-woodbury';
import type { Reason, Recommender, UserInput } from './recommender';

/**
 * The user-based twin of EASE, from the same users × users inverse K = (XXᵀ + λI)⁻¹ the item model already holds:
 * the user's vector is regressed on every other user's row (ridge, λ) and their rows are blended by those
 * coefficients. For a user in training with unchanged history this is EASE on Xᵀ with a zero diagonal; for
 * fresh history it is the exact fold-in. Leaving out the user's own row is a rank-one downdate of K.
 */
export class UserEase implements Recommender {
  readonly name = 'user_ease';
  readonly ease: WoodburyEase;
  constructor(ease: WoodburyEase) {
    this.ease = ease;
  }

  score(user: UserInput, out: Float32Array): void {
    const { x, xt, k } = this.ease;
    const m = x.rows;
    const y = new Float64Array(m);
    for (let h = 0; h < user.items.length; h++) {
      const j = user.items[h]!;
      for (let a = xt.indptr[j]!; a < xt.indptr[j + 1]!; a++) y[xt.indices[a]!]! += user.weights[h]! * xt.values[a]!;
    }
    const c = new Float64Array(m);
    for (let v = 0; v < m; v++) {
      const yv = y[v]!;
      if (yv === 0) continue;
      const row = v * m;
      for (let w = 0; w < m; w++) c[w]! += yv * k[row + w]!;
    }
    const self = user.row;
    if (self !== undefined && self >= 0 && self < m) {
      // (K without row and column u) = K₋ᵤ − k_u k_uᵀ / K_uu; applied to y it removes k_u · c_u / K_uu.
      const factor = c[self]! / k[self * m + self]!;
      for (let w = 0; w < m; w++) c[w]! -= factor * k[self * m + w]!;
      c[self] = 0;
    }
    out.fill(0);
    for (let v = 0; v < m; v++) {
      const cv = c[v]!;
      if (cv === 0) continue;
      for (let a = x.indptr[v]!; a < x.indptr[v + 1]!; a++) out[x.indices[a]!]! += cv * x.values[a]!;
    }
  }

  reason(): Reason {
    return { kind: 'similar_users' };
  }
}
