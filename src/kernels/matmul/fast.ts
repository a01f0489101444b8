// The fast CPU matmul variant ("ikj4") beside the clear reference (reference.ts), with the same shapes and results up to
// rounding. The reference walks m, n, k and reads b down a column (a stride of N floats per step); this one
// walks m, k, n ("i-k-j") so both b and the output are read along rows, and it updates 4 output rows from every
// 4 rows of b it loads: 16 multiply-adds per 4 loads of b and 4 loads + 4 stores of the accumulators, where
// the plain i-k-j loop does 1 per 1 + 1 + 1. Accumulators are float64 (JS numbers stored without a
// conversion to f32 on every add), so the sums are as accurate as the reference's; only the order differs.
//
// Transposed operands are first copied into the plain layout (O(M·K + K·N) against the O(M·K·N) product).

import { alloc, type FloatArray } from "../float-array";
import type { MatmulDims, MatmulOptions } from "./shape";

/** rows × cols copy of the transpose of x (cols × rows), starting at `offset`. */
function transposed(x: FloatArray, offset: number, rows: number, cols: number): FloatArray {
  const out = alloc(x, rows * cols);
  for (let c = 0; c < cols; c++) {
    const src = offset + c * rows;
    for (let r = 0; r < rows; r++) out[r * cols + c] = x[src + r]!;
  }
  return out;
}

/** Four float64 accumulator rows of length N. */
interface Acc {
  r0: Float64Array;
  r1: Float64Array;
  r2: Float64Array;
  r3: Float64Array;
}

function makeAcc(N: number): Acc {
  return {
    r0: new Float64Array(N),
    r1: new Float64Array(N),
    r2: new Float64Array(N),
    r3: new Float64Array(N),
  };
}

/**
 * c[M×N] = a[M×K]·b[K×N] for one batch entry, a and b row-major from offsets oa and ob; the result (plus
 * bias) is stored at c[oc ...].
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
  acc: Acc,
  bias: FloatArray | undefined,
): void {
  // Four separate arrays rather than one of 4·N: V8 keeps each base in a register (measured 1.5-2x faster).
  const { r0, r1, r2, r3 } = acc;
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    r0.fill(0);
    r1.fill(0);
    r2.fill(0);
    r3.fill(0);
    const o0 = oa + m * K;
    const o1 = o0 + K;
    const o2 = o1 + K;
    const o3 = o2 + K;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const a00 = a[o0 + k]!;
      const a01 = a[o0 + k + 1]!;
      const a02 = a[o0 + k + 2]!;
      const a03 = a[o0 + k + 3]!;
      const a10 = a[o1 + k]!;
      const a11 = a[o1 + k + 1]!;
      const a12 = a[o1 + k + 2]!;
      const a13 = a[o1 + k + 3]!;
      const a20 = a[o2 + k]!;
      const a21 = a[o2 + k + 1]!;
      const a22 = a[o2 + k + 2]!;
      const a23 = a[o2 + k + 3]!;
      const a30 = a[o3 + k]!;
      const a31 = a[o3 + k + 1]!;
      const a32 = a[o3 + k + 2]!;
      const a33 = a[o3 + k + 3]!;
      const b0 = ob + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let n = 0; n < N; n++) {
        const x = b[b0 + n]!;
        const y = b[b1 + n]!;
        const z = b[b2 + n]!;
        const w = b[b3 + n]!;
        r0[n] = r0[n]! + (a00 * x + a01 * y + a02 * z + a03 * w);
        r1[n] = r1[n]! + (a10 * x + a11 * y + a12 * z + a13 * w);
        r2[n] = r2[n]! + (a20 * x + a21 * y + a22 * z + a23 * w);
        r3[n] = r3[n]! + (a30 * x + a31 * y + a32 * z + a33 * w);
      }
    }
    // The last K mod 4 steps, one at a time.
    for (; k < K; k++) {
      const a0 = a[o0 + k]!;
      const a1 = a[o1 + k]!;
      const a2 = a[o2 + k]!;
      const a3 = a[o3 + k]!;
      const b0 = ob + k * N;
      for (let n = 0; n < N; n++) {
        const x = b[b0 + n]!;
        r0[n] = r0[n]! + a0 * x;
        r1[n] = r1[n]! + a1 * x;
        r2[n] = r2[n]! + a2 * x;
        r3[n] = r3[n]! + a3 * x;
      }
    }
    const c0 = oc + m * N;
    for (let n = 0; n < N; n++) {
      const s = bias ? bias[n]! : 0;
      c[c0 + n] = r0[n]! + s;
      c[c0 + N + n] = r1[n]! + s;
      c[c0 + 2 * N + n] = r2[n]! + s;
      c[c0 + 3 * N + n] = r3[n]! + s;
    }
  }
  // The last M mod 4 rows, one at a time.
  for (; m < M; m++) {
    r0.fill(0);
    const r = oa + m * K;
    for (let k = 0; k < K; k++) {
      const av = a[r + k]!;
      const b0 = ob + k * N;
      for (let n = 0; n < N; n++) r0[n] = r0[n]! + av * b[b0 + n]!;
    }
    const c0 = oc + m * N;
    for (let n = 0; n < N; n++) c[c0 + n] = r0[n]! + (bias ? bias[n]! : 0);
  }
}

/** A CPU variant of matmul: a and b laid out as in shape.ts, the result [batch, M, N]. Every variant takes these. */
export type MatmulCpuKernel = (
  a: FloatArray,
  b: FloatArray,
  d: MatmulDims,
  opts: MatmulOptions,
  bias?: FloatArray,
) => FloatArray;

/** The same contract as matmulCpu (MatmulCpuKernel above). */
export const matmulCpuFast: MatmulCpuKernel = (a, b, d, opts, bias) => {
  const { batch, M, K, N, strideA, strideB } = d;
  const c = alloc(a, batch * M * N);
  const acc = makeAcc(N);
  // A broadcast operand (stride 0) is transposed once for every batch entry.
  const sharedA = opts.transA && strideA === 0 ? transposed(a, 0, M, K) : null;
  const sharedB = opts.transB && strideB === 0 ? transposed(b, 0, K, N) : null;
  for (let z = 0; z < batch; z++) {
    let A: FloatArray = a;
    let oa = z * strideA;
    if (opts.transA) {
      A = sharedA ?? transposed(a, oa, M, K);
      oa = 0;
    }
    let B: FloatArray = b;
    let ob = z * strideB;
    if (opts.transB) {
      B = sharedB ?? transposed(b, ob, K, N);
      ob = 0;
    }
    block(A, oa, B, ob, c, z * M * N, M, K, N, acc, bias);
  }
  return c;
};
