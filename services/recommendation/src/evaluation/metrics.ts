export const K = 10;

export interface Metrics {
  ndcg: number;
  /** NDCG@10 of each evaluated user, in user order (for paired comparisons). */
  ndcgPerUser: number[];
  recall: number;
  precision: number;
  hitRate: number;
  mrr: number;
  coverage: number;
}

/** Accumulates top-K metrics over users (binary relevance, full ranking). */
export class MetricsAccumulator {
  private sums = { ndcg: 0, recall: 0, precision: 0, hitRate: 0, mrr: 0 };
  private users = 0;
  private readonly recommended = new Set<number>();
  private readonly ndcgPerUser: number[] = [];
  private readonly itemCount: number;

  constructor(itemCount: number) {
    this.itemCount = itemCount;
  }

  add(topK: readonly number[], relevant: ReadonlySet<number>): void {
    if (relevant.size === 0) return;
    this.users++;
    let dcg = 0;
    let hits = 0;
    let firstHit = 0;
    topK.forEach((item, rank) => {
      this.recommended.add(item);
      if (!relevant.has(item)) return;
      hits++;
      dcg += 1 / Math.log2(rank + 2);
      if (firstHit === 0) firstHit = rank + 1;
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(K, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
    this.sums.ndcg += dcg / idcg;
    this.ndcgPerUser.push(dcg / idcg);
    this.sums.recall += hits / relevant.size;
    this.sums.precision += hits / K;
    this.sums.hitRate += hits > 0 ? 1 : 0;
    this.sums.mrr += firstHit > 0 ? 1 / firstHit : 0;
  }

  result(): Metrics {
    const n = Math.max(1, this.users);
    return {
      ndcg: this.sums.ndcg / n,
      ndcgPerUser: this.ndcgPerUser,
      recall: this.sums.recall / n,
      precision: this.sums.precision / n,
      hitRate: this.sums.hitRate / n,
      mrr: this.sums.mrr / n,
      coverage: this.recommended.size / this.itemCount,
    };
  }
}

/**
 * Whether `a` beats `b` on the same users by more than two standard errors of the paired per-user difference:
 * a gain smaller than that is noise of this split, not something to trade plain EASE for.
 */
export function clearlyBetter(a: Metrics, b: Metrics): boolean {
  const n = a.ndcgPerUser.length;
  if (n < 2 || n !== b.ndcgPerUser.length) return false;
  const d = a.ndcgPerUser.map((v, k) => v - b.ndcgPerUser[k]!);
  const mean = d.reduce((s, v) => s + v, 0) / n;
  const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return mean > 2 * Math.sqrt(variance / n);
}
