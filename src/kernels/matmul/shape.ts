// Shape rules, options and variant names of matmul, shared by the CPU reference, the WGSL kernels and the tests.
//
//   a: [...batch, M, K]   (transA: [...batch, K, M])
//   b: [...batch, K, N]   (transB: [...batch, N, K])   or rank 2, shared by every batch entry
//   bias: [N], optional, added to every row
//   c: [...batch, M, N]
//
// Either operand may be rank 2 and broadcast over the other's batch (X·W with X of shape [B, T, C] and W of
// shape [C, N] is the common case in training); if both carry batch dimensions they must be equal.

import { checkShape, fmt, type Shape, ShapeError, sameShape, sizeOf } from "../validate";

/** naive: one output per invocation (the GPU oracle); register: 8x8 per invocation, no workgroup memory; workgroup:
 * 64x64 tiles through workgroup memory. See gpu.ts. */
export const MATMUL_GPU_VARIANTS = ["naive", "register", "workgroup"] as const;
/** reference: the clear m-n-k loop (the spec); ikj4: i-k-j order, 4 output rows at a time (fast.ts). */
export const MATMUL_CPU_VARIANTS = ["reference", "ikj4"] as const;
export type MatmulVariant = (typeof MATMUL_GPU_VARIANTS)[number];
export type MatmulCpuVariant = (typeof MATMUL_CPU_VARIANTS)[number];

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/** The contract's matmul arguments, with the bias tensor of type T. */
export interface MatmulArgsOf<T> extends MatmulOptions {
  /** [N], added to every output row. */
  bias?: T;
}

export interface MatmulDims {
  batch: number;
  M: number;
  K: number;
  N: number;
  /** Elements between consecutive batch entries of a and b (0 when broadcast). */
  strideA: number;
  strideB: number;
  out: number[];
}

export function matmulDims(a: Shape, b: Shape, opts: MatmulOptions = {}, bias?: Shape): MatmulDims {
  checkShape("matmul", "a", a, 2);
  checkShape("matmul", "b", b, 2);
  const [a0, a1] = a.slice(-2) as [number, number];
  const [b0, b1] = b.slice(-2) as [number, number];
  const M = opts.transA ? a1 : a0;
  const K = opts.transA ? a0 : a1;
  const Kb = opts.transB ? b1 : b0;
  const N = opts.transB ? b0 : b1;
  if (K !== Kb) {
    const ka = opts.transA ? "first" : "last";
    const kb = opts.transB ? "last" : "first";
    throw new ShapeError(
      "matmul",
      "b",
      `must have its ${kb} matrix dimension equal to a's ${ka} (${K}) with a ${fmt(a)}`,
      fmt(b),
    );
  }
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  if (batchA.length > 0 && batchB.length > 0 && !sameShape(batchA, batchB)) {
    throw new ShapeError("matmul", "b", `must have batch dimensions ${fmt(batchA)} (as a) or none`, fmt(b));
  }
  const batchShape = batchA.length > 0 ? batchA : batchB;
  if (bias) {
    checkShape("matmul", "bias", bias, 1);
    if (bias.length !== 1 || bias[0] !== N)
      throw new ShapeError("matmul", "bias", `must have shape [${N}]`, fmt(bias));
  }
  return {
    batch: sizeOf(batchShape),
    M,
    K,
    N,
    strideA: batchA.length > 0 ? M * K : 0,
    strideB: batchB.length > 0 ? K * N : 0,
    out: [...batchShape, M, N],
  };
}
