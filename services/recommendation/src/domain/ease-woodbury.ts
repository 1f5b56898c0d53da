import { invertSpdInPlace, type Progress } from './dense-inverse';
import { type Csr, csrFromTriplets } from './feedback-matrix';
import { type Reason, type Recommender, strongestHistoryItem, type UserInput } from './recommender';
import type { Sequences } from './sequence-neighbours';

/** Columns of a CSR (users per item), for the XXᵀ and Xᵀ·v products below. */
function transpose(x: Csr): Csr {
  const indptr = new Int32Array(x.cols + 1);
  for (let k = 0; k < x.indices.length; k++) indptr[x.indices[k]! + 1]!++;
  for (let j = 0; j < x.cols; j++) indptr[j + 1]! += indptr[j]!;
  const fill = indptr.slice(0, x.cols);
  const indices = new Int32Array(x.indices.length);
  const values = new Float32Array(x.indices.length);
  for (let u = 0; u < x.rows; u++)
    for (let k = x.indptr[u]!; k < x.indptr[u + 1]!; k++) {
      const at = fill[x.indices[k]!]!++;
      indices[at] = u;
      values[at] = x.values[k]!;
    }
  return { rows: x.cols, cols: x.rows, indptr, indices, values };
}

/** Each user's row divided by (entries in it)^power, so heavy raters do not dominate the co-occurrences. */
function scaleRowsByDegree(x: Csr, power: number): Csr {
  if (power === 0) return x;
  const values = new Float32Array(x.values.length);
  for (let u = 0; u < x.rows; u++) {
    const scale = (x.indptr[u + 1]! - x.indptr[u]!) ** -power;
    for (let k = x.indptr[u]!; k < x.indptr[u + 1]!; k++) values[k] = x.values[k]! * scale;
  }
  return { ...x, indptr: x.indptr.slice(), indices: x.indices.slice(), values };
}

/**
 * Each user's history in time order cut into consecutive pieces of at most `length` items, one row per piece,
 * with the user's weights from `x` (a user with at most `length` items is one piece: their whole row). EASE
 * learned over these rows instead of whole histories weighs what people watched in the same stretch of time
 * above what they watched years apart; `sequences` must hold the same (user, item) pairs as `x`.
 */
export function historyPieces(x: Csr, sequences: Sequences, length: number): Csr {
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  let piece = -1;
  const weight = new Map<number, number>();
  for (let u = 0; u < x.rows; u++) {
    weight.clear();
    for (let k = x.indptr[u]!; k < x.indptr[u + 1]!; k++) weight.set(x.indices[k]!, x.values[k]!);
    let inPiece = length;
    for (let p = sequences.starts[u]!; p < sequences.starts[u + 1]!; p++) {
      const item = sequences.items[p]!;
      const w = weight.get(item);
      if (w === undefined || w === 0) continue;
      if (inPiece === length) {
        piece++;
        inPiece = 0;
      }
      inPiece++;
      rows.push(piece);
      cols.push(item);
      values.push(w);
    }
  }
  return csrFromTriplets(piece + 1, x.cols, rows, cols, values);
}

/**
 * Exact EASE over every item when there are fewer users than items, through Woodbury's identity:
 * (XᵀX + λI)⁻¹ = (I − Xᵀ(XXᵀ + λI)⁻¹X)/λ, so the inverse is users × users (610² on ml-latest-small, not 9,742²).
 * X's rows may be degree-scaled (`userDegreePower`); a user's own input is used as given, since scaling one
 * user's vector does not change the order of their scores. X may also be other rows over the same items than
 * the users' (`historyPieces`): the inverse is then rows × rows, and scoring a user needs only their items.
 */
export class WoodburyEase implements Recommender {
  readonly name = 'ease';
  readonly x: Csr;
  readonly xt: Csr;
  readonly k: Float64Array;
  readonly diagP: Float64Array;
  readonly lambda: number;
  constructor(x: Csr, xt: Csr, k: Float64Array, diagP: Float64Array, lambda: number) {
    this.x = x;
    this.xt = xt;
    this.k = k;
    this.diagP = diagP;
    this.lambda = lambda;
  }

  /** Forgets an item at once (movie.deleted): scores for it become 0 and it stops contributing. */
  drop(item: number): void {
    for (let a = this.xt.indptr[item]!; a < this.xt.indptr[item + 1]!; a++) this.xt.values[a] = 0;
    for (let a = 0; a < this.x.indices.length; a++) if (this.x.indices[a] === item) this.x.values[a] = 0;
  }

  static train(input: Csr, lambda: number, userDegreePower = 0, progress?: Progress): WoodburyEase {
    const x = scaleRowsByDegree(input, userDegreePower);
    const m = x.rows;
    const xt = transpose(x);
    const k = new Float64Array(m * m);
    for (let j = 0; j < xt.rows; j++)
      for (let a = xt.indptr[j]!; a < xt.indptr[j + 1]!; a++) {
        const row = xt.indices[a]! * m;
        const va = xt.values[a]!;
        for (let c = xt.indptr[j]!; c < xt.indptr[j + 1]!; c++) k[row + xt.indices[c]!]! += va * xt.values[c]!;
      }
    for (let u = 0; u < m; u++) k[u * m + u]! += lambda;
    invertSpdInPlace(k, m, progress);
    const diagP = new Float64Array(x.cols);
    for (let j = 0; j < xt.rows; j++) {
      let q = 0;
      for (let a = xt.indptr[j]!; a < xt.indptr[j + 1]!; a++) {
        const row = xt.indices[a]! * m;
        for (let c = xt.indptr[j]!; c < xt.indptr[j + 1]!; c++)
          q += xt.values[a]! * k[row + xt.indices[c]!]! * xt.values[c]!;
      }
      diagP[j] = (1 - q) / lambda;
    }
    return new WoodburyEase(x, xt, k, diagP, lambda);
  }

  /** s_j = x_j − (xP)_j / P_jj, with xP = (x − ((xXᵀ)K)X)/λ. */
  /**
   * Scratch arrays of score(), kept between calls: three allocations a fold-in (the item-wide one 78 KB on the
   * MovieLens catalogue) were garbage the collector then had to find. Zeroed before each use.
   */
  private scratch: { xxt: Float64Array; c: Float64Array; xp: Float64Array } | null = null;

  private scratchArrays() {
    const m = this.x.rows;
    if (this.scratch?.xp.length !== this.x.cols)
      this.scratch = { xxt: new Float64Array(m), c: new Float64Array(m), xp: new Float64Array(this.x.cols) };
    else for (const a of Object.values(this.scratch)) a.fill(0);
    return this.scratch;
  }

  score(user: UserInput, out: Float32Array): void {
    const m = this.x.rows;
    const { xxt, c, xp } = this.scratchArrays();
    for (let h = 0; h < user.items.length; h++) {
      const j = user.items[h]!;
      for (let a = this.xt.indptr[j]!; a < this.xt.indptr[j + 1]!; a++)
        xxt[this.xt.indices[a]!]! += user.weights[h]! * this.xt.values[a]!;
    }
    for (let v = 0; v < m; v++) {
      const xv = xxt[v]!;
      if (xv === 0) continue;
      const row = v * m;
      for (let w = 0; w < m; w++) c[w]! += xv * this.k[row + w]!;
    }
    for (let v = 0; v < m; v++) {
      const cv = c[v]!;
      for (let a = this.x.indptr[v]!; a < this.x.indptr[v + 1]!; a++) xp[this.x.indices[a]!]! -= cv * this.x.values[a]!;
    }
    for (let h = 0; h < user.items.length; h++) xp[user.items[h]!]! += user.weights[h]!;
    for (let j = 0; j < this.x.cols; j++) out[j] = -xp[j]! / this.lambda / this.diagP[j]!;
    // Movies added after training have no column: 0, plus the user's own weight below.
    out.fill(0, this.x.cols);
    for (let h = 0; h < user.items.length; h++) out[user.items[h]!]! += user.weights[h]!;
  }

  /**
   * The history item with the largest B[h, item] = −P[h, item] / P[item, item], where
   * P[h, item] = ([h = item] − x_hᵀ K x_item) / λ over X's columns. K x_item is formed once (the K rows of the
   * item's rows, read in order), so each history item costs only its own column: with a pieces × pieces K of
   * tens of MB, reading K at random per pair of entries would dominate a fold-in.
   */
  reason(user: UserInput, item: number): Reason {
    const m = this.x.rows;
    const kx = new Float64Array(m);
    for (let c = this.xt.indptr[item]!; c < this.xt.indptr[item + 1]!; c++) {
      const row = this.xt.indices[c]! * m;
      const v = this.xt.values[c]!;
      for (let u = 0; u < m; u++) kx[u]! += v * this.k[row + u]!;
    }
    const liked = strongestHistoryItem(user, (h) => {
      let q = 0;
      for (let a = this.xt.indptr[h]!; a < this.xt.indptr[h + 1]!; a++)
        q += this.xt.values[a]! * kx[this.xt.indices[a]!]!;
      return -((h === item ? 1 : 0) - q) / this.lambda / this.diagP[item]!;
    });
    return liked < 0 ? { kind: 'popular' } : { kind: 'because_you_liked', item: liked };
  }
}
