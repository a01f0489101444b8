// A fast CPU matmul beside the clear reference (matmul-cpu.ts), with the same shapes and results up to
// rounding. The reference walks m, n, k and reads b down a column (a stride of N floats per step); this one
// walks m, k, n ("i-k-j") so both b and the output are read along rows, and it updates 4 output rows from each
// pair of b rows it loads: 16 multiply-adds per 2 loads of b and 4 loads + 4 stores of the accumulators,
// where the plain i-k-j loop does 2 per 1 + 1 + 1. Accumulators are float64 (JS numbers stored without a
// conversion to f32 on every add), so the sums are as accurate as the reference's; only the order differs.
//
// Transposed operands are first copied into the plain layout (O(M·K + K·N) against the O(M·K·N) product).

import { alloc, type FloatArray } from "./float-array";
import type { MatmulDims, MatmulOptions } from "./matmul-shape";

/** rows × cols copy of the transpose of x (cols × rows), starting at `offset`. */
function transposed(x: FloatArray, offset: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const src = offset + c * rows;
    for (let r = 0; r < rows; r++) out[r * cols + c] = x[src + r]!;
  }
  return out;
}

/**
 * c[M×N] = a[M×K]·b[K×N] for one batch entry, a and b row-major from offsets oa and ob; the result (plus
 * bias) is stored at c[oc ...]. `acc` holds at least 4·N float64 accumulators.
 */
function block(
  a: FloatArray,
  oa: number,
  b: FloatArray,
  ob: number,
  c: FloatArray,
  oc: number,
  M: number,
  K: number,
  N: number,
  acc: Float64Array,
  bias: FloatArray | undefined,
): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    acc.fill(0, 0, 4 * N);
    const r0 = oa + m * K;
    const r1 = r0 + K;
    const r2 = r1 + K;
    const r3 = r2 + K;
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      const a00 = a[r0 + k]!;
      const a01 = a[r0 + k + 1]!;
      const a10 = a[r1 + k]!;
      const a11 = a[r1 + k + 1]!;
      const a20 = a[r2 + k]!;
      const a21 = a[r2 + k + 1]!;
      const a30 = a[r3 + k]!;
      const a31 = a[r3 + k + 1]!;
      const b0 = ob + k * N;
      const b1 = b0 + N;
      for (let n = 0; n < N; n++) {
        const x = b[b0 + n]!;
        const y = b[b1 + n]!;
        acc[n] += a00 * x + a01 * y;
        acc[N + n] += a10 * x + a11 * y;
        acc[2 * N + n] += a20 * x + a21 * y;
        acc[3 * N + n] += a30 * x + a31 * y;
      }
    }
    if (k < K) {
      const a0 = a[r0 + k]!;
      const a1 = a[r1 + k]!;
      const a2 = a[r2 + k]!;
      const a3 = a[r3 + k]!;
      const b0 = ob + k * N;
      for (let n = 0; n < N; n++) {
        const x = b[b0 + n]!;
        acc[n] += a0 * x;
        acc[N + n] += a1 * x;
        acc[2 * N + n] += a2 * x;
        acc[3 * N + n] += a3 * x;
      }
    }
    for (let i = 0; i < 4; i++) {
      const out = oc + (m + i) * N;
      for (let n = 0; n < N; n++) c[out + n] = acc[i * N + n]! + (bias ? bias[n]! : 0);
    }
  }
  // The last M mod 4 rows, one at a time.
  for (; m < M; m++) {
    acc.fill(0, 0, N);
    const r = oa + m * K;
    for (let k = 0; k < K; k++) {
      const av = a[r + k]!;
      const b0 = ob + k * N;
      for (let n = 0; n < N; n++) acc[n] += av * b[b0 + n]!;
    }
    const out = oc + m * N;
    for (let n = 0; n < N; n++) c[out + n] = acc[n]! + (bias ? bias[n]! : 0);
  }
}

/** Same contract as matmulCpu: a, b laid out as in matmul-shape.ts, result [batch, M, N]. */
export function matmulCpuFast(
  a: FloatArray,
  b: FloatArray,
  d: MatmulDims,
  opts: MatmulOptions,
  bias?: FloatArray,
): FloatArray {
  const { batch, M, K, N, strideA, strideB } = d;
  const c = alloc(a, batch * M * N);
  const acc = new Float64Array(4 * N);
  // A broadcast operand (stride 0) is transposed once for every batch entry.
  let sharedA: Float32Array | null = null;
  let sharedB: Float32Array | null = null;
  for (let z = 0; z < batch; z++) {
    let A: FloatArray = a;
    let oa = z * strideA;
    if (opts.transA) {
      A = strideA === 0 ? (sharedA ??= transposed(a, 0, M, K)) : transposed(a, oa, M, K);
      oa = 0;
    }
    let B: FloatArray = b;
    let ob = z * strideB;
    if (opts.transB) {
      B = strideB === 0 ? (sharedB ??= transposed(b, 0, K, N)) : transposed(b, ob, K, N);
      ob = 0;
    }
    block(A, oa, B, ob, c, z * M * N, M, K, N, acc, bias);
  }
  return c;
}
