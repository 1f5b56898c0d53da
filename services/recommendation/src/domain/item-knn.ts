import type { Csr } from './feedback-matrix';
import { type Reason, type Recommender, strongestHistoryItem, type UserInput } from './recommender';

/**
 * Item-based neighbourhood: cosine similarity between item columns with shrinkage, keeping each item's `k`
 * nearest neighbours; a user's score for j sums their weights over j's neighbours.
 */
export class ItemKnn implements Recommender {
  readonly name = 'item_knn';
  private readonly ptr: Int32Array;
  private readonly neighbour: Int32Array;
  private readonly sim: Float32Array;
  private constructor(ptr: Int32Array, neighbour: Int32Array, sim: Float32Array) {
    this.ptr = ptr;
    this.neighbour = neighbour;
    this.sim = sim;
  }

  static train(x: Csr, k: number, shrink: number): ItemKnn {
    const n = x.cols;
    const cols: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
    const norms = new Float64Array(n);
    for (let u = 0; u < x.rows; u++)
      for (let a = x.indptr[u]!; a < x.indptr[u + 1]!; a++) {
        cols[x.indices[a]!]!.push([u, x.values[a]!]);
        norms[x.indices[a]!]! += x.values[a]! * x.values[a]!;
      }
    const ptr = new Int32Array(n + 1);
    const neighbour = new Int32Array(n * k);
    const sim = new Float32Array(n * k);
    const co = new Float64Array(n);
    const touched: number[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      for (const [u, wi] of cols[i]!)
        for (let a = x.indptr[u]!; a < x.indptr[u + 1]!; a++) {
          const j = x.indices[a]!;
          if (j === i) continue;
          if (co[j] === 0) touched.push(j);
          co[j]! += wi * x.values[a]!;
        }
      const scored = touched.map((j) => [j, co[j]! / (Math.sqrt(norms[i]! * norms[j]!) + shrink)] as const);
      scored.sort((a, b) => b[1] - a[1]);
      for (const [j, s] of scored.slice(0, k)) {
        neighbour[at] = j;
        sim[at++] = s;
      }
      ptr[i + 1] = at;
      for (const j of touched) co[j] = 0;
      touched.length = 0;
    }
    return new ItemKnn(ptr, neighbour.slice(0, at), sim.slice(0, at));
  }

  /** The same neighbourhoods cut to the `k` nearest (lists are sorted), so tuning k needs one training. */
  nearest(k: number): ItemKnn {
    const ptr = new Int32Array(this.ptr.length);
    const neighbour: number[] = [];
    const sim: number[] = [];
    for (let i = 0; i + 1 < this.ptr.length; i++) {
      const end = Math.min(this.ptr[i + 1]!, this.ptr[i]! + k);
      for (let a = this.ptr[i]!; a < end; a++) {
        neighbour.push(this.neighbour[a]!);
        sim.push(this.sim[a]!);
      }
      ptr[i + 1] = neighbour.length;
    }
    return new ItemKnn(ptr, Int32Array.from(neighbour), Float32Array.from(sim));
  }

  score(user: UserInput, out: Float32Array): void {
    out.fill(0);
    for (let h = 0; h < user.items.length; h++) {
      const i = user.items[h]!;
      const w = user.weights[h]!;
      for (let a = this.ptr[i]!; a < this.ptr[i + 1]!; a++) out[this.neighbour[a]!]! += w * this.sim[a]!;
    }
  }

  reason(user: UserInput, item: number): Reason {
    const liked = strongestHistoryItem(user, (h) => {
      for (let a = this.ptr[h]!; a < this.ptr[h + 1]!; a++) if (this.neighbour[a] === item) return this.sim[a]!;
      return 0;
    });
    return liked < 0 ? { kind: 'popular' } : { kind: 'because_you_liked', item: liked };
  }
}
