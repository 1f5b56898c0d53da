import { invertSpdInPlace, type Progress } from './dense-inverse';
import type { Csr } from './feedback-matrix';
import { type Reason, type Recommender, strongestHistoryItem, type UserInput } from './recommender';

/**
 * EASE (Steck 2019): B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, scores x·B with diag B = 0. The dense form
 * keeps B over `items` only (the ones with enough interactions), so the n³ inverse stays affordable.
 */
export class DenseEase implements Recommender {
  readonly name = 'ease';
  private readonly position: Int32Array;
  readonly items: Int32Array;
  readonly b: Float32Array;
  readonly itemCount: number;

  constructor(items: Int32Array, b: Float32Array, itemCount: number) {
    this.items = items;
    this.b = b;
    this.itemCount = itemCount;
    this.position = new Int32Array(itemCount).fill(-1);
    items.forEach((item, p) => {
      this.position[item] = p;
    });
  }

  score(user: UserInput, out: Float32Array): void {
    out.fill(0);
    const n = this.items.length;
    for (let k = 0; k < user.items.length; k++) {
      const p = this.position[user.items[k]!]!;
      if (p < 0) continue;
      const w = user.weights[k]!;
      const row = p * n;
      for (let j = 0; j < n; j++) out[this.items[j]!]! += w * this.b[row + j]!;
    }
  }

  reason(user: UserInput, item: number): Reason {
    const j = this.position[item]!;
    const n = this.items.length;
    const liked = strongestHistoryItem(user, (h) => {
      const p = this.position[h]!;
      return p < 0 || j < 0 ? 0 : this.b[p * n + j]!;
    });
    return liked < 0 ? { kind: 'popular' } : { kind: 'because_you_liked', item: liked };
  }

  /** Forgets an item at once (movie.deleted) without retraining: its row and column stop contributing. */
  drop(item: number): void {
    const p = this.position[item]!;
    if (p < 0) return;
    const n = this.items.length;
    for (let j = 0; j < n; j++) {
      this.b[p * n + j] = 0;
      this.b[j * n + p] = 0;
    }
  }
}

/** Items with at least `minCount` interactions, the most interacted first, at most `maxItems`. */
export function denseItemSet(counts: Int32Array, minCount: number, maxItems: number): Int32Array {
  const eligible: number[] = [];
  counts.forEach((c, i) => {
    if (c >= minCount) eligible.push(i);
  });
  eligible.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return Int32Array.from(eligible.slice(0, maxItems)).sort();
}

export function trainDenseEase(x: Csr, items: Int32Array, lambda: number, progress?: Progress): DenseEase {
  const n = items.length;
  const position = new Int32Array(x.cols).fill(-1);
  items.forEach((item, p) => {
    position[item] = p;
  });
  const g = new Float64Array(n * n);
  const ps: number[] = [];
  const ws: number[] = [];
  for (let u = 0; u < x.rows; u++) {
    ps.length = 0;
    ws.length = 0;
    for (let k = x.indptr[u]!; k < x.indptr[u + 1]!; k++) {
      const p = position[x.indices[k]!]!;
      if (p >= 0) {
        ps.push(p);
        ws.push(x.values[k]!);
      }
    }
    for (let a = 0; a < ps.length; a++) {
      const row = ps[a]! * n;
      const wa = ws[a]!;
      for (let c = 0; c < ps.length; c++) g[row + ps[c]!]! += wa * ws[c]!;
    }
  }
  for (let p = 0; p < n; p++) g[p * n + p]! += lambda;
  invertSpdInPlace(g, n, progress);
  const b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -g[i * n + j]! / g[j * n + j]!;
  return new DenseEase(items, b, x.cols);
}
