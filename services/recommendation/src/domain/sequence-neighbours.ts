import { type Reason, type Recommender, strongestHistoryItem, type UserInput } from './recommender';

/** Every user's items in the order they interacted: user u's are `items[starts[u]..starts[u + 1])`. */
export interface Sequences {
  items: Int32Array;
  starts: Int32Array;
}

/** One timestamped interaction of one user (any taste: what counts is what was watched near what). */
export interface TimedInteraction {
  user: number;
  item: number;
  /** Seconds since the epoch. */
  at: number;
}

/** Orders each user's interactions by time (ties keep the input order). */
export function sequencesFrom(users: number, interactions: readonly TimedInteraction[]): Sequences {
  const starts = new Int32Array(users + 1);
  for (const e of interactions) starts[e.user + 1]!++;
  for (let u = 0; u < users; u++) starts[u + 1]! += starts[u]!;
  const order = Array.from(interactions.keys());
  order.sort(
    (a, b) => interactions[a]!.user - interactions[b]!.user || interactions[a]!.at - interactions[b]!.at || a - b,
  );
  return { items: Int32Array.from(order, (k) => interactions[k]!.item), starts };
}

export interface SequenceParams {
  /** Items up to this many places apart in a user's sequence are neighbours, weighted 1 / distance. */
  window: number;
  /** Neighbours kept per item (the strongest). */
  keep: number;
}

export const defaultSequenceParams: SequenceParams = { window: 5, keep: 200 };

/**
 * Sequence neighbours: items people watched close together in time. Two items are linked by Σ 1/distance over
 * every user's time-ordered history (distance ≤ window), normalised by √(row sum · column sum) like a cosine, and
 * a user's score for an item is the weighted sum of its links to their history. MovieLens users rate in bursts
 * (sessions, the site's rating pages), so what sits next to what in those bursts says more than co-occurrence
 * anywhere in a whole history, which is all EASE sees. Training is one pass per item over its occurrences
 * (interactions × window, no matrix inverse); folds-in need only the user's items.
 */
export class SequenceNeighbours implements Recommender {
  readonly name = 'sequence';
  readonly itemCount: number;
  /** Item × item links in compressed rows (each row sorted by item). */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  constructor(itemCount: number, indptr: Int32Array, indices: Int32Array, values: Float32Array) {
    this.itemCount = itemCount;
    this.indptr = indptr;
    this.indices = indices;
    this.values = values;
  }

  static train(itemCount: number, sequences: Sequences, params: SequenceParams = defaultSequenceParams) {
    const { items, starts } = sequences;
    const { window, keep } = params;
    const owner = new Int32Array(items.length);
    for (let u = 0; u + 1 < starts.length; u++) owner.fill(u, starts[u]!, starts[u + 1]!);
    // Positions of each item, and each item's total link weight (the normaliser).
    const total = new Float64Array(itemCount);
    const byItem = new Int32Array(itemCount + 1);
    for (let p = 0; p < items.length; p++) {
      byItem[items[p]! + 1]!++;
      for (let d = 1; d <= window; d++) {
        if (p + d < items.length && owner[p + d] === owner[p]) {
          total[items[p]!]! += 1 / d;
          total[items[p + d]!]! += 1 / d;
        }
      }
    }
    for (let i = 0; i < itemCount; i++) byItem[i + 1]! += byItem[i]!;
    const positions = new Int32Array(items.length);
    const fill = byItem.slice(0, itemCount);
    for (let p = 0; p < items.length; p++) positions[fill[items[p]!]!++] = p;

    const scratch = new Float64Array(itemCount);
    const touched: number[] = [];
    const indptr = new Int32Array(itemCount + 1);
    const rows: { indices: Int32Array; values: Float32Array }[] = [];
    for (let a = 0; a < itemCount; a++) {
      touched.length = 0;
      for (let k = byItem[a]!; k < byItem[a + 1]!; k++) {
        const p = positions[k]!;
        for (let d = -window; d <= window; d++) {
          const q = p + d;
          if (d === 0 || q < 0 || q >= items.length || owner[q] !== owner[p]) continue;
          const b = items[q]!;
          if (b === a) continue;
          if (scratch[b] === 0) touched.push(b);
          scratch[b]! += 1 / Math.abs(d);
        }
      }
      const links = touched.map((b) => ({ b, w: scratch[b]! / Math.sqrt(total[a]! * total[b]!) }));
      for (const b of touched) scratch[b] = 0;
      if (links.length > keep) {
        links.sort((x, y) => y.w - x.w || x.b - y.b);
        links.length = keep;
      }
      links.sort((x, y) => x.b - y.b);
      rows.push({ indices: Int32Array.from(links, (l) => l.b), values: Float32Array.from(links, (l) => l.w) });
      indptr[a + 1] = indptr[a]! + links.length;
    }
    const indices = new Int32Array(indptr[itemCount]!);
    const values = new Float32Array(indptr[itemCount]!);
    rows.forEach((row, a) => {
      indices.set(row.indices, indptr[a]!);
      values.set(row.values, indptr[a]!);
    });
    return new SequenceNeighbours(itemCount, indptr, indices, values);
  }

  score(user: UserInput, out: Float32Array): void {
    out.fill(0);
    for (let k = 0; k < user.items.length; k++) {
      const a = user.items[k]!;
      const w = user.weights[k]!;
      if (w === 0 || a >= this.itemCount) continue;
      for (let j = this.indptr[a]!; j < this.indptr[a + 1]!; j++) out[this.indices[j]!]! += w * this.values[j]!;
    }
  }

  /** The link between two items (0 when none). */
  link(a: number, b: number): number {
    if (a >= this.itemCount) return 0;
    let lo = this.indptr[a]!;
    let hi = this.indptr[a + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.indices[mid]!;
      if (at === b) return this.values[mid]!;
      if (at < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  reason(user: UserInput, item: number): Reason {
    const best = strongestHistoryItem(user, (h) => this.link(h, item));
    return best >= 0 ? { kind: 'because_you_liked', item: best } : { kind: 'popular' };
  }
}
