/** Called every few rows with the fraction done; throwing from it cancels the computation. */
export type Progress = (fraction: number) => void;

/**
 * Inverts a symmetric positive-definite n×n matrix (row-major, full) in place: Cholesky A = LLᵀ, then
 * L⁻¹ by row operations, then A⁻¹ = L⁻ᵀL⁻¹. Every inner loop walks contiguous rows, which is what makes plain
 * JavaScript reach ~1–2 GFLOP/s; about n³ flops in all.
 */
export function invertSpdInPlace(a: Float64Array, n: number, progress: Progress = () => {}): void {
  const report = Math.max(1, Math.floor(n / 50));
  // Cholesky, lower triangle into a (row-major), about n³/6 multiply-adds.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`matrix is not positive definite at row ${i}`);
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j]!;
      }
    }
    if (i % report === 0) progress((i / n) * 0.34);
  }
  // M = L⁻¹ row by row: row_i(M) = (e_i − Σ_{k<i} L[i,k]·row_k(M)) / L[i,i]; rows kept in a second buffer.
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const lik = a[ri + k]!;
      if (lik === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) m[ri + j]! -= lik * m[rk + j]!;
    }
    m[ri + i] = 1;
    const inv = 1 / a[ri + i]!;
    for (let j = 0; j <= i; j++) m[ri + j]! *= inv;
    if (i % report === 0) progress(0.34 + (i / n) * 0.33);
  }
  // A⁻¹ = MᵀM: accumulate row i's outer product into the lower triangle, then mirror.
  a.fill(0);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let p = 0; p <= i; p++) {
      const mp = m[ri + p]!;
      if (mp === 0) continue;
      const rp = p * n;
      for (let q = 0; q <= p; q++) a[rp + q]! += mp * m[ri + q]!;
    }
    if (i % report === 0) progress(0.67 + (i / n) * 0.33);
  }
  for (let p = 0; p < n; p++) for (let q = 0; q < p; q++) a[q * n + p] = a[p * n + q]!;
  progress(1);
}
