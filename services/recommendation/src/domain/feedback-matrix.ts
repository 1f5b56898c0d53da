/** A user × item matrix in compressed sparse rows: row u's items are indices[indptr[u]..indptr[u+1]). */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Builds a CSR from (row, col, value) triplets; a repeated (row, col) keeps the last value. */
export function csrFromTriplets(
  rows: number,
  cols: number,
  r: ArrayLike<number>,
  c: ArrayLike<number>,
  v: ArrayLike<number>,
): Csr {
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < r.length; k++) counts[r[k]! + 1]!++;
  for (let i = 0; i < rows; i++) counts[i + 1]! += counts[i]!;
  const indptr = counts.slice();
  const fill = counts.slice(0, rows);
  const indices = new Int32Array(r.length);
  const values = new Float32Array(r.length);
  for (let k = 0; k < r.length; k++) {
    const at = fill[r[k]!]!++;
    indices[at] = c[k]!;
    values[at] = v[k]!;
  }
  return dedupeSorted({ rows, cols, indptr, indices, values });
}

/** Sorts each row by column and keeps the last value written for a repeated column. */
function dedupeSorted(m: Csr): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(m.indices.length);
  const values = new Float32Array(m.values.length);
  let out = 0;
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u]!;
    const end = m.indptr[u + 1]!;
    const order = Array.from({ length: end - start }, (_, k) => start + k);
    order.sort((a, b) => m.indices[a]! - m.indices[b]! || a - b);
    for (let k = 0; k < order.length; k++) {
      const at = order[k]!;
      const next = order[k + 1];
      if (next !== undefined && m.indices[next] === m.indices[at]) continue;
      indices[out] = m.indices[at]!;
      values[out++] = m.values[at]!;
    }
    indptr[u + 1] = out;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices: indices.slice(0, out), values: values.slice(0, out) };
}

/** Number of stored entries per column (how many users touched each item). */
export function columnCounts(m: Csr): Int32Array {
  const counts = new Int32Array(m.cols);
  for (let k = 0; k < m.indices.length; k++) counts[m.indices[k]!]!++;
  return counts;
}

export type FeedbackKind =
  | 'view'
  | 'like'
  | 'dislike'
  | 'favorite'
  | 'watchlist'
  | 'rating'
  | 'positive'
  | 'negative'
  | 'not_interested'
  | 'already_seen';

/**
 * What one interaction says about taste, in [-1, 1]: ratings by value (3 of 5 is lukewarm), like, favorite and
 * watchlist positive, dislike and negative feedback negative. already_seen says nothing about taste.
 */
export function feedbackWeight(kind: FeedbackKind, rating: number | null): number {
  switch (kind) {
    case 'rating':
      return rating === null ? 0 : Math.max(-1, Math.min(1, (rating - 2.5) / 2.5));
    case 'favorite':
      return 1;
    case 'like':
    case 'positive':
      return 0.8;
    case 'watchlist':
      return 0.5;
    case 'view':
      return 0.3;
    case 'dislike':
    case 'negative':
      return -1;
    case 'not_interested':
      return -0.5;
    case 'already_seen':
      return 0;
  }
}
